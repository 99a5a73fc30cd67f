// The console's calls to the Switchboard API: the bearer token, problem+json errors, and server-sent events read
// from a fetch() body (EventSource cannot POST).

const TOKEN_KEY = 'switchboard.token';

export const token = {
  get: () => sessionStorage.getItem(TOKEN_KEY),
  set: (value) => sessionStorage.setItem(TOKEN_KEY, value),
  clear: () => sessionStorage.removeItem(TOKEN_KEY),
};

/** A non-2xx answer; {@code detail} comes from the problem+json body when there is one. */
export class ApiError extends Error {
  constructor(status, title, detail) {
    super(detail || title || `HTTP ${status}`);
    this.status = status;
    this.title = title;
  }
}

/** Both forms of an endpoint that can stream: the event stream first, the JSON answer if that is all it has. */
export const STREAM = 'text/event-stream, application/json;q=0.5, application/problem+json;q=0.5';

/**
 * Calls the API with the signed-in token. {@code json} is sent as the JSON body, {@code body} as it is; the answer is
 * the Response (2xx only; anything else throws an ApiError).
 */
export async function call(method, path, { json, body, contentType, accept = 'application/json' } = {}) {
  const headers = { Accept: accept };
  const t = token.get();
  if (t) headers.Authorization = `Bearer ${t}`;
  if (json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(json);
  } else if (body !== undefined) {
    headers['Content-Type'] = contentType || 'application/octet-stream';
  }
  const res = await fetch(path, { method, headers, body, cache: 'no-store' });
  if (!res.ok) throw await errorOf(res);
  return res;
}

/** The answer's JSON, or null for a 204. */
export async function json(method, path, options) {
  const res = await call(method, path, options);
  return res.status === 204 ? null : res.json();
}

async function errorOf(res) {
  let title = res.statusText;
  let detail = '';
  try {
    const problem = await res.json();
    title = problem.title || title;
    detail = problem.detail || '';
  } catch (e) {
    // not JSON: the status says enough
  }
  return new ApiError(res.status, title, detail);
}

export function isEventStream(res) {
  return (res.headers.get('Content-Type') || '').startsWith('text/event-stream');
}

/** Yields {event, data} for each server-sent event of the body; data is parsed JSON where it is JSON. */
export async function* events(res) {
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer = (buffer + value).replace(/\r\n/g, '\n');
    let end;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const parsed = parseEvent(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (parsed) yield parsed;
    }
  }
  const last = parseEvent(buffer);
  if (last) yield last;
}

function parseEvent(block) {
  let event = 'message';
  const data = [];
  for (const line of block.split('\n')) {
    if (line === '' || line.startsWith(':')) continue;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'event') event = value;
    else if (field === 'data') data.push(value);
  }
  if (data.length === 0) return null;
  const text = data.join('\n');
  try {
    return { event, data: JSON.parse(text) };
  } catch (e) {
    return { event, data: text };
  }
}

/** A project path as URL path segments, each one encoded. */
export function filePath(path) {
  return path.split('/').map(encodeURIComponent).join('/');
}
