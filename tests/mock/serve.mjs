// The mock providers as a process of their own, for hosts written in other languages (the
// Python module's tests): prints `{"url", "keys"}` as one JSON line; each line read on
// stdin queues those faults (names of the mock's FAULTS, space-separated) and is answered
// "ok"; when stdin closes it prints `{"requests": [...method path], "problems": [...],
// "leaked": n}` and exits.
import { startMock, KEYS } from "./providers.mjs";

const mock = await startMock();
process.stdout.write(JSON.stringify({ url: mock.url, keys: KEYS }) + "\n");
let pending = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  pending += chunk;
  for (let i; (i = pending.indexOf("\n")) >= 0;) {
    const line = pending.slice(0, i).trim();
    pending = pending.slice(i + 1);
    if (line) mock.script(...line.split(/\s+/));
    process.stdout.write("ok\n");
  }
});
process.stdin.on("end", () => {
  process.stdout.write(JSON.stringify({
    requests: mock.requests.map((r) => `${r.method} ${r.path}`),
    problems: mock.problems,
    leaked: mock.leaked().length,
  }) + "\n");
  mock.close();
  process.exit(0);
});
