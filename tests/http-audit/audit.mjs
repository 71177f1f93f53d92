// The GraphQL-over-HTTP specification's server audits (graphql-http's own list)
// against a running server: every one must pass, MUSTs and SHOULDs alike.
// Usage: node audit.mjs http://127.0.0.1:PORT/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2];
if (!url) {
  console.error('usage: node audit.mjs <graphql endpoint URL>');
  process.exit(2);
}
const results = await Promise.all(serverAudits({ url, fetchFn: fetch }).map((audit) => audit.fn()));
const failed = results.filter((result) => result.status !== 'ok');
for (const result of failed) {
  console.log(`${result.status.toUpperCase()} ${result.id} ${result.name}: ${result.reason}`);
}
console.log(`${results.length - failed.length} passed, ${failed.length} failed`);
process.exit(failed.length === 0 ? 0 : 1);
