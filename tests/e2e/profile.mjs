// Profile (nothing asserted): where the page's time goes while it scores one digit again and again
// (`window.connective.bench`, CPU build unless --backend), sampled by Chromium's own profiler over
// the Chrome DevTools Protocol. Prints the bench's p50 / p95 and two Markdown tables: self time by
// kind of work (by the names in the wasm's name section) and the top functions.
//   node profile.mjs [--model mnist-3] [--n 300] [--backend cpu] [--interval 50] [--top 25]
// Run after `bash www/build.sh` (`WASM_PROFILE=wasm-ci` keeps readable names; wasm-release too).
import { start } from './harness.mjs';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const model = arg('model', 'mnist-3');
const n = Number(arg('n', 300));
const backend = arg('backend', 'cpu');
const interval = Number(arg('interval', 50));
const top = Number(arg('top', 25));

// Kinds of work, by the first pattern a function's name matches (Rust paths survive in the name section).
const KINDS = [
  ['convolution', /conv|im2col|col2im|gemm|matmul|sgemm|kernel.*mm|microkernel/i],
  ['element-wise and reductions', /macerator|run_vectorized/],
  ['element-wise and reductions', /binary|unary|elementwise|add|sub|mul|div|sqrt|exp|sigmoid|relu|clamp|powf|mean|sum|reduce|broadcast|scalar/i],
  ['memory: allocate, copy, free', /alloc|dlmalloc|memcpy|memmove|memset|free|drop_in_place|realloc|clone|to_vec|Vec<|::drop::/],
  ['tensor plumbing: shapes, layout, dispatch', /shape|stride|layout|reshape|permute|slice|cat|repeat|dispatch|Tensor|Device|into_data|from_data|TensorData|convert/i],
  ['JS ↔ wasm glue', /wasm-bindgen|__wbg|__wbindgen|closure|Promise|then/i],
];
const kindOf = (name, url) => {
  if (name === '(idle)' || name === '(program)' || name === '(garbage collector)') return name;
  for (const [kind, re] of KINDS) if (re.test(name)) return kind;
  return /\.wasm/.test(url) || url === '' ? 'other wasm' : 'other JS';
};

const { open, stop } = await start();
const { page, context } = await open(`?digit=${model.replace('mnist-', '')}&backend=${backend}`);
const cdp = await context.newCDPSession(page);
await cdp.send('Profiler.enable');
await cdp.send('Profiler.setSamplingInterval', { interval });
await page.evaluate(() => window.connective.bench(20)); // warm-up outside the profile
await cdp.send('Profiler.start');
const result = await page.evaluate((k) => window.connective.bench(k), n);
const { profile } = await cdp.send('Profiler.stop');
await stop();

// Self time per node from the samples and their time deltas (µs).
const self = new Map();
profile.samples.forEach((id, i) => self.set(id, (self.get(id) || 0) + (profile.timeDeltas[i] || 0)));
const byName = new Map();
const byKind = new Map();
let total = 0;
for (const node of profile.nodes) {
  const us = self.get(node.id) || 0;
  if (!us) continue;
  const { functionName, url } = node.callFrame;
  const name = functionName || '(anonymous)';
  const key = `${name}`;
  byName.set(key, (byName.get(key) || 0) + us);
  const kind = kindOf(name, url);
  byKind.set(kind, (byKind.get(kind) || 0) + us);
  total += us;
}
const busy = total - (byKind.get('(idle)') || 0);
const ms = (us) => (us / 1000).toFixed(1);
const pct = (us) => ((100 * us) / busy).toFixed(1);
console.log(`${model} on ${result.backend}: ${n} scores, p50 ${result.p50.toFixed(2)} ms, p95 ${result.p95.toFixed(2)} ms; profiled ${ms(total)} ms, busy ${ms(busy)} ms (${(busy / 1000 / n).toFixed(2)} ms per score)\n`);
console.log('| kind of work | ms | % of busy | per score, ms |\n|---|---:|---:|---:|');
for (const [kind, us] of [...byKind].sort((a, b) => b[1] - a[1])) {
  if (kind === '(idle)') continue;
  console.log(`| ${kind} | ${ms(us)} | ${pct(us)} | ${(us / 1000 / n).toFixed(3)} |`);
}
console.log(`\n| function (top ${top} by self time) | kind | ms | % of busy |\n|---|---|---:|---:|`);
for (const [name, us] of [...byName].filter(([nm]) => nm !== '(idle)').sort((a, b) => b[1] - a[1]).slice(0, top)) {
  const short = name.length > 110 ? `${name.slice(0, 107)}…` : name;
  console.log(`| \`${short.replace(/\|/g, '\\|')}\` | ${kindOf(name, '')} | ${ms(us)} | ${pct(us)} |`);
}
