#!/usr/bin/env node
// tshark-to-ndjson.mjs FILE: prints the BGP messages of a capture as contract 1 of
// DESIGN.md (`vroute decode` NDJSON), taken from Wireshark's BGP dissector, never from
// vroute's own codec: the expected outputs in test/pcap-fixtures/ are tshark's reading.
//
// tshark runs twice with PDML output (every field in wire order, with its raw bytes):
// once with AS numbers forced to 2 octets and once to 4, because its auto-detection is a
// guess. Per TCP connection we track the two OPENs, as the contract does: a message is taken
// from the 4-octet run only when both OPENs carried the 4-octet AS capability (RFC 6793), and
// path ids must appear exactly where ADD-PATH was negotiated for that direction and family
// (RFC 7911 4); if tshark disagrees, this script fails rather than print a wrong fixture.
// Plain Node (no dependencies). Exit 1 with one line on stderr on any failure.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

function fail(msg) {
  process.stderr.write(`tshark-to-ndjson: ${msg}\n`);
  process.exit(1);
}

function runTshark(f, asnLen) {
  const args = [
    '-r',
    f,
    '-n',
    '-T',
    'pdml',
    '-Y',
    'bgp',
    '-o',
    'tcp.desegment_tcp_streams:TRUE',
    '-o',
    'tcp.reassemble_out_of_order:TRUE',
    // A retransmitted segment is not new data: no BGP dissection of it.
    '-o',
    'tcp.no_subdissector_on_error:TRUE',
    '-o',
    'bgp.desegment:TRUE',
    '-o',
    `bgp.asn_len:${asnLen}`,
  ];
  const r = spawnSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 30 });
  if (r.error) fail(`cannot run tshark: ${r.error.message}`);
  if (r.status !== 0) fail(`tshark failed: ${(r.stderr || '').trim().split('\n').pop()}`);
  return r.stdout;
}

// --- PDML: a small XML reader for tshark's regular output (tags, attributes, nesting). ---

function parsePdml(xml) {
  const root = { tag: 'root', children: [] };
  const stack = [root];
  const tagRe = /<(\/?)(packet|proto|field)\b([^>]*?)(\/?)>/g;
  let m;
  while ((m = tagRe.exec(xml)) !== null) {
    const [, close, tag, attrs, selfClose] = m;
    if (close) {
      stack.pop();
      continue;
    }
    const node = { tag, children: [], ...attributes(attrs) };
    stack[stack.length - 1].children.push(node);
    if (!selfClose) stack.push(node);
  }
  const packets = root.children.filter((c) => c.tag === 'packet');
  for (const p of packets) p.frame = Number(find(p, 'frame.number')?.show);
  return packets;
}

function attributes(text) {
  const o = {};
  for (const m of text.matchAll(/(\w+)="([^"]*)"/g)) o[m[1]] = unescapeXml(m[2]);
  if (o.pos !== undefined) o.pos = Number(o.pos);
  if (o.size !== undefined) o.size = Number(o.size);
  return o;
}

function unescapeXml(s) {
  return s.replace(/&(#x[0-9a-fA-F]+|#\d+|quot|amp|lt|gt|apos);/g, (_, e) => {
    if (e[0] === '#') return String.fromCodePoint(e[1] === 'x' ? parseInt(e.slice(2), 16) : Number(e.slice(1)));
    return { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" }[e];
  });
}

/** First descendant (depth-first, document order) with this field name. */
function find(node, name) {
  for (const c of node.children) {
    if (c.name === name) return c;
    const d = find(c, name);
    if (d) return d;
  }
  return undefined;
}

function findAll(node, name, acc = []) {
  for (const c of node.children) {
    if (c.name === name) acc.push(c);
    else findAll(c, name, acc);
  }
  return acc;
}

const show = (node, name) => find(node, name)?.show;
const num = (node, name) => {
  const s = show(node, name);
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isFinite(n)) fail(`${name}: not a number: ${s}`);
  return n;
};

/**
 * The raw bytes [start, end) under `node` as hex, from the `value` of the outermost fields
 * that cover them (tshark prints each field's bytes); fails if tshark left a gap.
 */
function rawHex(node, start, end) {
  if (
    node.pos === start &&
    node.size === end - start &&
    typeof node.value === 'string' &&
    node.value.length === 2 * node.size
  ) {
    return node.value;
  }
  let cursor = start;
  let hex = '';
  const walk = (n) => {
    for (const c of n.children) {
      if (c.tag !== 'field' || !(c.size > 0) || c.pos + c.size <= cursor || c.pos >= end) continue;
      const whole = typeof c.value === 'string' && c.value.length === 2 * c.size && /^[0-9a-f]*$/.test(c.value);
      if (whole && c.pos === cursor && c.pos + c.size <= end) {
        hex += c.value;
        cursor += c.size;
      } else {
        walk(c);
      }
      if (cursor >= end) return;
    }
  };
  walk(node);
  if (cursor !== end) return undefined;
  return hex;
}

/**
 * Bytes tshark decodes but does not print as field values (an attribute it does not know is
 * one empty "unknown" field): read them from the buffer the message was dissected from, the
 * frame's TCP payload or a reassembled PDU, whichever holds this message's own header bytes.
 */
function sourceHex(packet, m, start, end) {
  const header = rawHex(m, m.pos, m.pos + 19);
  for (const name of ['tcp.payload', 'tcp.reassembled.data']) {
    for (const b of findAll(packet, name)) {
      if (typeof b.value !== 'string' || b.value.length !== 2 * b.size) continue;
      const at = (x) => 2 * (x - b.pos);
      if (m.pos < b.pos || end > b.pos + b.size) continue;
      if (header !== undefined && b.value.slice(at(m.pos), at(m.pos + 19)) !== header) continue;
      return b.value.slice(at(start), at(end));
    }
  }
  return undefined;
}

// --- Endpoints ---

function endpoints(p) {
  const ip = p.children.find((c) => c.tag === 'proto' && (c.name === 'ip' || c.name === 'ipv6'));
  const tcp = p.children.find((c) => c.tag === 'proto' && c.name === 'tcp');
  if (!ip || !tcp) return undefined;
  const v6 = ip.name === 'ipv6';
  const a = (addr, port) => (v6 ? `[${ipv6Canonical(addr)}]:${port}` : `${addr}:${port}`);
  return {
    src: a(show(ip, `${ip.name}.src`), show(tcp, 'tcp.srcport')),
    dst: a(show(ip, `${ip.name}.dst`), show(tcp, 'tcp.dstport')),
    stream: show(tcp, 'tcp.stream'),
  };
}

/** RFC 5952 text of an IPv6 address (lower case, longest zero run of 2+ groups as ::). */
function ipv6Canonical(text) {
  if (text.includes('.')) return text.toLowerCase(); // embedded IPv4 (RFC 5952 5): keep
  const [head, tail] = text.toLowerCase().split('::');
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8) fail(`bad IPv6 address ${text}`);
  const g = groups.map((x) => parseInt(x, 16).toString(16));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (g[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && g[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return g.join(':');
  return `${g.slice(0, best).join(':')}::${g.slice(best + bestLen).join(':')}`;
}

const addr = (s) => (s.includes(':') ? ipv6Canonical(s) : s);

// --- Messages ---

const TYPES = { 1: 'OPEN', 2: 'UPDATE', 3: 'NOTIFICATION', 4: 'KEEPALIVE', 5: 'ROUTE-REFRESH' };

function message(m, outer) {
  const ctx = { ...outer, message: m };
  const type = TYPES[num(m, 'bgp.type')];
  const length = num(m, 'bgp.length');
  if (!type) fail(`frame ${ctx.frame}: BGP message of unknown type ${show(m, 'bgp.type')}`);
  const j = { src: ctx.src, dst: ctx.dst, type, length };
  if (type === 'OPEN') {
    j.version = num(m, 'bgp.open.version');
    // The 4-octet AS capability's AS when present, else My AS (contract 1).
    j.asn = num(m, 'bgp.cap.4as') ?? num(m, 'bgp.open.myas');
    j.holdTime = num(m, 'bgp.open.holdtime');
    j.bgpId = show(m, 'bgp.open.identifier');
    j.capabilities = findAll(m, 'bgp.cap').map((c) => num(c, 'bgp.cap.type'));
  } else if (type === 'UPDATE') {
    Object.assign(j, update(m, ctx));
  } else if (type === 'NOTIFICATION') {
    j.code = num(m, 'bgp.notify.major_error');
    const minor = m.children.find((c) => c.name?.startsWith('bgp.notify.minor_error'));
    j.subcode = minor ? Number(minor.show) : 0;
    // Data: everything after the 21-octet header + code + subcode (RFC 4271 4.5).
    const data = rawHex(m, m.pos + 21, m.pos + length);
    if (data === undefined) fail(`frame ${ctx.frame}: NOTIFICATION data not covered by tshark fields`);
    j.data = data;
  } else if (type === 'ROUTE-REFRESH') {
    j.afi = num(m, 'bgp.route_refresh.afi');
    j.safi = num(m, 'bgp.route_refresh.safi');
    j.subtype = num(m, 'bgp.route_refresh.subtype');
  }
  return j;
}

/** The OPEN's capabilities that change how the rest of the connection decodes. */
function openCaps(m) {
  const addPath = new Map();
  for (const c of findAll(m, 'bgp.cap')) {
    if (num(c, 'bgp.cap.type') !== 69) continue;
    const afis = findAll(c, 'bgp.cap.ap.afi');
    const safis = findAll(c, 'bgp.cap.ap.safi');
    const srs = findAll(c, 'bgp.cap.ap.sendreceive');
    afis.forEach((a, i) => {
      addPath.set(`${a.show}/${safis[i].show}`, Number(srs[i].show));
    });
  }
  return { as4: findAll(m, 'bgp.cap').some((c) => num(c, 'bgp.cap.type') === 65), addPath };
}

/** Prefixes of an NLRI / withdrawn container: tshark prints each as one unnamed field. */
function prefixes(container, family, ctx) {
  if (!container) return [];
  const want = ctx.addPath.has(family);
  return container.children
    .filter((c) => c.tag === 'field')
    .map((p) => {
      const len = num(p, 'bgp.prefix_length');
      const pf = p.children.find((c) => /prefix$/.test(c.name) && c.name !== 'bgp.prefix_length');
      if (len === undefined || !pf) fail(`frame ${ctx.frame}: cannot read prefix ${p.show}`);
      const id = num(p, 'bgp.nlri_path_id');
      if ((id !== undefined) !== want) {
        fail(
          `frame ${ctx.frame}: tshark ${id === undefined ? 'shows no' : 'shows a'} path id for ${family} where ADD-PATH is ${want ? '' : 'not '}negotiated`,
        );
      }
      const text = `${addr(pf.show)}/${len}`;
      return id === undefined ? text : `${text}#${id}`;
    });
}

function update(m, ctx) {
  const j = {};
  const withdrawn = prefixes(find(m, 'bgp.update.withdrawn_routes'), '1/1', ctx);
  if (withdrawn.length) j.withdrawn = withdrawn;
  const nlri = prefixes(
    m.children.find((c) => c.name === 'bgp.update.nlri'),
    '1/1',
    ctx,
  );
  if (nlri.length) j.nlri = nlri;
  const attrsLen = num(m, 'bgp.update.path_attributes.length');
  if (attrsLen > 0) j.attributes = pathAttributes(findAll(m, 'bgp.update.path_attribute'), ctx);
  return j;
}

const ORIGINS = ['IGP', 'EGP', 'INCOMPLETE'];
const SEGMENTS = { 1: 'AS_SET', 2: 'AS_SEQUENCE', 3: 'AS_CONFED_SEQUENCE', 4: 'AS_CONFED_SET' };

function asPath(a) {
  return findAll(a, 'bgp.update.path_attribute.as_path_segment').map((s) => ({
    type: SEGMENTS[num(s, 'bgp.update.path_attribute.as_path_segment.type')] ?? 'UNKNOWN',
    asns: s.children.filter((c) => /as_path_segment\.as[24]$/.test(c.name)).map((c) => Number(c.show)),
  }));
}

function aggregator(a) {
  return {
    asn: num(a, 'bgp.update.path_attribute.aggregator_as'),
    address: show(a, 'bgp.update.path_attribute.aggregator_origin'),
  };
}

function community(c) {
  const hex = rawHex(c, c.pos, c.pos + 4);
  const v = parseInt(hex, 16);
  return `${Math.floor(v / 65536)}:${v % 65536}`;
}

function pathAttributes(list, ctx) {
  const r = {};
  const unknown = [];
  for (const a of list) {
    const type = num(a, 'bgp.update.path_attribute.type_code');
    const flags = parseInt(show(a, 'bgp.update.path_attribute.flags'), 16);
    switch (type) {
      case 1:
        r.origin = ORIGINS[num(a, 'bgp.update.path_attribute.origin')] ?? 'UNKNOWN';
        break;
      case 2:
        r.asPath = asPath(a);
        break;
      case 17:
        r.as4Path = asPath(a);
        break;
      case 18:
        r.as4Aggregator = aggregator(a);
        break;
      case 3:
        r.nextHop = show(a, 'bgp.update.path_attribute.next_hop');
        break;
      case 4:
        r.med = num(a, 'bgp.update.path_attribute.multi_exit_disc');
        break;
      case 5:
        r.localPref = num(a, 'bgp.update.path_attribute.local_pref');
        break;
      case 6:
        r.atomicAggregate = true;
        break;
      case 7:
        r.aggregator = aggregator(a);
        break;
      case 8: {
        // Each community is a field of 4 octets (AS:value, or a well-known one); wire order.
        const box = find(a, 'bgp.update.path_attribute.communities');
        r.communities = (box ? box.children : []).filter((c) => c.size === 4).map(community);
        break;
      }
      case 9:
        r.originatorId = show(a, 'bgp.update.path_attribute.originator_id');
        break;
      case 10:
        r.clusterList = findAll(a, 'bgp.path_attribute.cluster_id').map((c) => c.show);
        break;
      case 16:
        r.extCommunities = findAll(a, 'bgp.ext_community').map(
          (c) => rawHex(c, c.pos, c.pos + 8) ?? fail(`frame ${ctx.frame}: extended community bytes`),
        );
        break;
      case 32:
        r.largeCommunities = findAll(a, 'bgp.large_communities').map((c) =>
          ['ga', 'ldp1', 'ldp2'].map((k) => show(c, `bgp.large_communities.${k}`)).join(':'),
        );
        break;
      case 14:
        r.mpReach = mpReach(a, ctx);
        break;
      case 15:
        r.mpUnreach = mpUnreach(a, ctx);
        break;
      default: {
        // Not named by the contract: type, the flags octet as sent, the value's bytes.
        const hdr = flags & 0x10 ? 4 : 3;
        const hex =
          rawHex(a, a.pos + hdr, a.pos + a.size) ?? sourceHex(ctx.packet, ctx.message, a.pos + hdr, a.pos + a.size);
        if (hex === undefined) fail(`frame ${ctx.frame}: attribute ${type} bytes not covered by tshark fields`);
        unknown.push({ type, flags, hex });
      }
    }
  }
  if (unknown.length) r.unknown = unknown;
  // Contract 1 key order (as4Path / as4Aggregator beside asPath, as vroute's codec prints).
  const order = [
    'origin',
    'asPath',
    'as4Path',
    'as4Aggregator',
    'nextHop',
    'med',
    'localPref',
    'atomicAggregate',
    'aggregator',
    'communities',
    'originatorId',
    'clusterList',
    'extCommunities',
    'largeCommunities',
    'mpReach',
    'mpUnreach',
    'unknown',
  ];
  const o = {};
  for (const k of order) if (r[k] !== undefined) o[k] = r[k];
  return o;
}

function mpReach(a, ctx) {
  const afi = num(a, 'bgp.update.path_attribute.mp_reach_nlri.afi');
  const safi = num(a, 'bgp.update.path_attribute.mp_reach_nlri.safi');
  const nh = find(a, 'bgp.update.path_attribute.mp_reach_nlri.next_hop');
  const nextHops = [];
  const collect = (n) => {
    for (const c of n.children) {
      if (c.show && /^[0-9a-f.:]+$/i.test(c.show) && /[.:]/.test(c.show) && c.children.length === 0)
        nextHops.push(addr(c.show));
      else collect(c);
    }
  };
  if (nh) collect(nh);
  if (nh && nextHops.length === 0)
    fail(`frame ${ctx.frame}: MP_REACH_NLRI next hop not split into addresses by tshark`);
  const box = a.children.find((c) => c.name === 'bgp.update.path_attribute.mp_reach_nlri');
  return { afi, safi, nextHops, nlri: prefixes(box, `${afi}/${safi}`, ctx) };
}

function mpUnreach(a, ctx) {
  const afi = num(a, 'bgp.update.path_attribute.mp_unreach_nlri.afi');
  const safi = num(a, 'bgp.update.path_attribute.mp_unreach_nlri.safi');
  const box = a.children.find((c) => c.name === 'bgp.update.path_attribute.mp_unreach_nlri');
  return { afi, safi, withdrawn: prefixes(box, `${afi}/${safi}`, ctx) };
}

function main() {
  const file = process.argv[2];
  if (!file || process.argv.length > 3) fail('usage: tshark-to-ndjson.mjs FILE.pcap|FILE.pcapng');
  if (!existsSync(file)) fail(`${file}: no such file`);

  const packets2 = parsePdml(runTshark(file, '2 octet'));
  const packets4 = parsePdml(runTshark(file, '4 octet'));
  if (packets2.length !== packets4.length) fail('the two tshark runs disagree on the packets');

  const streams = new Map(); // tcp.stream -> { opens: Map<srcEndpoint, open caps> }
  const out = [];
  packets2.forEach((p2, i) => {
    const p4 = packets4[i];
    const ends = endpoints(p2);
    if (!ends) return;
    let st = streams.get(ends.stream);
    if (!st) streams.set(ends.stream, (st = { opens: new Map() }));
    const msgs2 = p2.children.filter((c) => c.tag === 'proto' && c.name === 'bgp');
    const msgs4 = p4.children.filter((c) => c.tag === 'proto' && c.name === 'bgp');
    msgs2.forEach((m2, j) => {
      const peerOpen = st.opens.get(ends.dst);
      const ownOpen = st.opens.get(ends.src);
      const four = !!(ownOpen && peerOpen && ownOpen.as4 && peerOpen.as4);
      const m = four ? msgs4[j] : m2;
      if (!m) fail(`frame ${p2.frame}: message ${j} missing in one tshark run`);
      // ADD-PATH families for this direction: we send (2|3) and the peer receives (1|3).
      const addPath = new Set();
      if (ownOpen && peerOpen) {
        for (const [fam, sr] of ownOpen.addPath) {
          const peerSr = peerOpen.addPath.get(fam) ?? 0;
          if (sr & 2 && peerSr & 1) addPath.add(fam);
        }
      }
      const json = message(m, { src: ends.src, dst: ends.dst, four, addPath, frame: p2.frame, packet: p2 });
      if (json.type === 'OPEN') st.opens.set(ends.src, openCaps(m));
      out.push(JSON.stringify(json));
    });
  });
  process.stdout.write(out.map((l) => `${l}\n`).join(''));
}

try {
  main();
} catch (e) {
  fail(e instanceof Error ? e.message : String(e));
}
