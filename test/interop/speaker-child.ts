// Runs one vroute Speaker inside a network namespace for the interop tests (the parent stays
// in the root namespace, which cannot reach namespace addresses). argv[2] is JSON
// {speaker: SpeakerOptions minus logger, peers: PeerSessionConfig[]}. Prints JSON lines on
// stdout: {ev:'state',peer,from,to}, {ev:'down',peer,reason}, {ev:'update',peer,update},
// {ev:'status',sessions}.
// Reads JSON lines on stdin: {cmd:'status'} and {cmd:'stop',message}.
import * as readline from 'node:readline';
import { Speaker, type PeerSessionConfig, type SpeakerOptions } from '../../src/bgp/fsm';
import { updateToJson, type UpdateMessage } from '../../src/bgp/messages';
import { createLogger } from '../../src/observability/logger';
import { sessionEvents } from '../helpers/sessions';

interface ChildConfig {
  speaker: Omit<SpeakerOptions, 'logger'>;
  peers: PeerSessionConfig[];
}

const cfg = JSON.parse(process.argv[2] ?? '{}') as ChildConfig;
const out = (o: unknown): void => {
  process.stdout.write(`${JSON.stringify(o)}\n`);
};

async function main(): Promise<void> {
  const sp = new Speaker({ ...cfg.speaker, logger: createLogger({ level: process.env.VR_LOG ?? 'error' }) });
  await sp.start();
  for (const p of cfg.peers) {
    const peer = sp.addPeer(p);
    peer.on('stateChange', (from: string, to: string) => out({ ev: 'state', peer: p.address, from, to }));
    sessionEvents(peer).on('down', (reason: string) => out({ ev: 'down', peer: p.address, reason }));
    sessionEvents(peer).on('update', (m: UpdateMessage) =>
      out({ ev: 'update', peer: p.address, update: updateToJson(m) }),
    );
  }
  out({ ev: 'ready', port: sp.listenPort });
  const rl = readline.createInterface({ input: process.stdin });
  rl.on('line', (line) => {
    const c = JSON.parse(line) as { cmd: string; message?: string };
    if (c.cmd === 'status') out({ ev: 'status', sessions: sp.peers().map((p) => p.status()) });
    if (c.cmd === 'stop') {
      void sp.stop(c.message).then(() => {
        out({ ev: 'stopped' });
        process.exit(0);
      });
    }
  });
  rl.on('close', () => process.exit(0));
}

void main();
