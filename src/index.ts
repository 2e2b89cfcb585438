// Main step entry: assume the role and export the credentials.
import { run } from './main.js';

await run();
