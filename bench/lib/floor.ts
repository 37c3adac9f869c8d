import Database from 'better-sqlite3';
import { Command } from 'commander';

/**
 * The floor under any `status` built on this project's chosen libraries: one
 * file (no module graph of our own), commander parsing the command line,
 * better-sqlite3 opening the store read-only and reading every item, the rows
 * printed as JSON. The benchmark times it like `status`, as a reference: what
 * Node and these two libraries alone cost on this machine.
 * Usage: node floor.js status --store PATH
 */
const program = new Command('floor');
program
  .command('status')
  .requiredOption('--store <path>')
  .action((options: { store: string }) => {
    const db = new Database(options.store, { readonly: true });
    process.stdout.write(`${JSON.stringify(db.prepare('SELECT * FROM items').all())}\n`);
    db.close();
  });
await program.parseAsync(process.argv);
