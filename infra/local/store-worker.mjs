/**
 * dynalite in a worker thread (WHISTLE_STORE_TRANSPORT=worker): the store's share of the work
 * (validation, indexes, LevelDB) runs on another core than the API and the workflows. Requests
 * arrive as messages carrying the DynamoDB JSON request and go through dynalite's own request
 * listener, exactly as over HTTP. Plain JavaScript: a worker thread gets no TypeScript loader.
 */
import { EventEmitter } from 'node:events';
import { parentPort, workerData } from 'node:worker_threads';
import dynalite from 'dynalite';

const server = dynalite({
  ...(workerData.path ? { path: workerData.path } : {}),
  createTableMs: 0,
  deleteTableMs: 0,
  updateTableMs: 0,
});
await new Promise((resolve, reject) => {
  server.once('error', reject);
  server.listen(0, '127.0.0.1', () => resolve());
});
const listener = server.listeners('request')[0];

parentPort.on('message', (m) => {
  if (m.type === 'close') {
    server.close(() => parentPort.postMessage({ type: 'closed' }));
    return;
  }
  const req = new EventEmitter();
  req.method = m.method;
  req.url = m.url;
  req.headers = m.headers;
  const res = {
    statusCode: 200,
    contentType: undefined,
    headers: {},
    setHeader(name, value) {
      this.headers[name.toLowerCase()] = String(value);
    },
    end(body) {
      parentPort.postMessage({
        type: 'response',
        id: m.id,
        statusCode: this.statusCode,
        headers: this.headers,
        body: body ?? '',
      });
    },
  };
  try {
    listener(req, res);
    if (m.body?.byteLength)
      req.emit('data', Buffer.from(m.body.buffer, m.body.byteOffset, m.body.byteLength));
    req.emit('end');
  } catch (err) {
    parentPort.postMessage({ type: 'response', id: m.id, error: String(err?.stack ?? err) });
  }
});

parentPort.postMessage({ type: 'ready', port: server.address().port });
