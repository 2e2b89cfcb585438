// Main step entry: assume the role and export the credentials. The exit is explicit so that a pending
// backoff timer or an idle keep-alive socket can't hold the step open after the outcome is written.
import { run } from './main.js';

await run();
process.exit();
