/**
 * src/cli: the `vroute` command line (commander). Parsing and printing only: every command
 * calls into the folder that does the work, and turns its errors into one line on stderr and
 * exit 1 (never a stack trace). The top of the import order: it may use every other folder.
 *
 * DOC, file by file:
 * - main.ts: buildProgram/main, the full program (program.ts: name, version, error handling,
 *   plus every module of ./commands registering itself through commands/index.ts).
 *   decode-main.ts: `vroute decode` alone, so decoding a capture does not load the daemons'
 *   modules; bin/vroute picks it when the first argument is `decode`.
 * - commands/reflector.ts: `vroute reflector --config FILE` (src/config loads contract 2,
 *   src/reflector runs it until SIGTERM/SIGINT). node-flags.ts: V8 settings for daemons.
 * - commands/decode.ts: `vroute decode FILE|-` (contract 1): src/bgp/messages/pcap decodes,
 *   this writes its NDJSON chunks to stdout with back-pressure.
 * - commands/apply.ts, get.ts, delete.ts, ipam.ts: resources and IPAM in the datastore
 *   (contracts 4 and 5) through src/datastore (`--datastore URL` or VROUTE_DATASTORE).
 * - commands/status.ts, routes.ts, refresh.ts: a running daemon's HTTP API (contract 3;
 *   api-client.ts finds and calls it; the body shapes are src/observability's types).
 * - output.ts (`-o table|wide|yaml|json`, printable(): peer-chosen text such as an RFC 9003
 *   shutdown communication never reaches the terminal as escape sequences), table.ts (plain
 *   tables in the manner of `birdc show protocols`), run.ts (runCli: expected errors ->
 *   one line, exit 1).
 *
 * Data flow: argv -> commander -> one command -> (config | datastore | HTTP API | pcap
 * decoder | daemon) -> stdout as a table, YAML, JSON or NDJSON; errors -> stderr.
 */ export { main, buildProgram } from './main';
