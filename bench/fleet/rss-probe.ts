import { writeFileSync } from 'node:fs';

/**
 * Preloaded into the agent under test (`node --import`): at exit it writes the
 * process's peak resident set size (kB, getrusage ru_maxrss) and its CPU time
 * (user and system, in ms) as JSON to $BENCH_RSS_FILE.
 */
const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    const usage = process.resourceUsage();
    writeFileSync(file, JSON.stringify({ maxRssKb: usage.maxRSS, userMs: usage.userCPUTime / 1000, systemMs: usage.systemCPUTime / 1000 }));
  });
}
