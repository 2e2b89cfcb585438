// Post step entry: undo what the main step exported and wrote.
import { cleanup } from './post/cleanup.js';

await cleanup();
process.exit();
