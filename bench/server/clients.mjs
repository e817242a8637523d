// bench/server client process: many xDS ADS streams (delta or SotW) on a few HTTP/2
// connections, in a process of their own so that the clients' work does not run on the
// server's event loop. Driven over IPC by index.mjs:
//
//   { cmd: 'open', port, n, kind: 'delta'|'sotw', names, dist }  → { ok: 'open', bytes }
//   { cmd: 'arm', name, marker }     the next response carrying resource `name` with `marker`
//                                    (delta: its version; SotW: the response's version_info)
//                                    is timed on every stream  → { ok: 'times', times, bytes }
//   { cmd: 'close' }                 → { ok: 'closed' }
//
// Responses are parsed shallowly with protobufjs' Reader (nonce, type, versions and names only),
// and ACKed, as a client that applies what it gets would.
import path from 'node:path';
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const require = createRequire(import.meta.url);
const grpc = require('@grpc/grpc-js');
const protobuf = require('protobufjs/minimal.js');

const now = () => performance.timeOrigin + performance.now();
const EDS = 'type.googleapis.com/envoy.config.endpoint.v3.ClusterLoadAssignment';

/** Reads the fields of a (Delta)DiscoveryResponse the bench needs, without decoding resources. */
function parse(buf, kind) {
  const r = protobuf.Reader.create(buf);
  const out = { nonce: '', typeUrl: '', version: '', names: [], versions: [] };
  while (r.pos < r.len) {
    const tag = r.uint32();
    const no = tag >>> 3;
    if (kind === 'delta' && no === 2) {
      const end = r.uint32() + r.pos;
      let name = '';
      let version = '';
      while (r.pos < end) {
        const t = r.uint32();
        if (t >>> 3 === 3) name = r.string();
        else if (t >>> 3 === 1) version = r.string();
        else r.skipType(t & 7);
      }
      out.names.push(name);
      out.versions.push(version);
    } else if (no === 4) out.typeUrl = r.string();
    else if (no === 5) out.nonce = r.string();
    else if (no === 1) out.version = r.string();
    else r.skipType(tag & 7);
  }
  return out;
}

let streams = [];
let clients = [];
let armed;
let bytes = 0;

async function open({ port, n, kind, names, dist }) {
  const server = await import(pathToFileURL(path.join(dist, 'server/index.js')).href);
  const registry = await import(pathToFileURL(path.join(dist, 'registry/index.js')).href);
  const def = { ...server.xdsServiceDefinition(server.ADS_SERVICE) };
  const method = kind === 'delta' ? 'DeltaAggregatedResources' : 'StreamAggregatedResources';
  const reqType = kind === 'delta' ? 'envoy.service.discovery.v3.DeltaDiscoveryRequest' : 'envoy.service.discovery.v3.DiscoveryRequest';
  def[method] = {
    ...def[method],
    requestSerialize: (m) => Buffer.from(registry.encode(reqType, m)),
    responseDeserialize: (b) => {
      bytes += b.length;
      return parse(b, kind);
    },
  };
  const Ctor = grpc.makeGenericClientConstructor(def, 'ads');
  const connections = Math.max(1, Math.ceil(n / 50));
  clients = Array.from({ length: connections }, () => new Ctor(`127.0.0.1:${port}`, grpc.credentials.createInsecure()));
  let initial = 0;
  await new Promise((resolve) => {
    for (let i = 0; i < n; i++) {
      const call = clients[i % connections][method]();
      const s = { call, done: false, i };
      streams.push(s);
      call.on('error', () => {});
      let first = true;
      call.on('data', (r) => {
        if (armed && !s.done) {
          const k = r.names.indexOf(armed.name);
          const hit = kind === 'delta' ? k >= 0 && r.versions[k] === armed.marker : r.version === armed.marker;
          if (hit) {
            s.done = true;
            armed.times[s.i] = now();
            if (++armed.count === streams.length) process.send({ ok: 'times', times: armed.times, bytes: bytes - armed.bytes0 }), (armed = undefined);
          }
        }
        if (kind === 'delta') call.write({ typeUrl: r.typeUrl, responseNonce: r.nonce });
        else call.write({ typeUrl: r.typeUrl, versionInfo: r.version, responseNonce: r.nonce, resourceNames: names });
        if (first) {
          first = false;
          if (++initial === n) resolve();
        }
      });
      const node = { id: `envoy-${i}`, cluster: 'fleet' };
      if (kind === 'delta') call.write({ node, typeUrl: EDS, resourceNamesSubscribe: ['*'] });
      else call.write({ node, typeUrl: EDS, resourceNames: names });
    }
  });
  process.send({ ok: 'open', bytes });
}

process.on('message', async (msg) => {
  try {
    if (msg.cmd === 'open') await open(msg);
    else if (msg.cmd === 'arm') {
      for (const s of streams) s.done = false;
      armed = { name: msg.name, marker: msg.marker, times: new Array(streams.length), count: 0, bytes0: bytes };
      process.send({ ok: 'armed' });
    } else if (msg.cmd === 'close') {
      for (const s of streams) s.call.cancel();
      for (const c of clients) c.close();
      streams = [];
      clients = [];
      process.send({ ok: 'closed' });
    }
  } catch (e) {
    process.send({ error: String(e?.stack ?? e) });
  }
});
