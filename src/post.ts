// Post step entry: undo what the main step exported and wrote.
import { cleanup } from './cleanup.js';

await cleanup();
process.exit();
