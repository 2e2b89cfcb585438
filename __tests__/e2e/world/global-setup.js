// jest globalSetup of the e2e project: when moto_server or aws is missing, the run stops at once with how to
// install them, instead of every test file failing on its own.
import { requireTools } from './tools.js';

export default function globalSetup() {
  requireTools();
}
