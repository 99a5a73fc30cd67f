// The Switchboard web console. Everything shown is built with textContent and DOM properties: no markup is ever
// made from data (see api.js for the calls).
import { ApiError, STREAM, call, events, filePath, isEventStream, json, token } from './api.js';

const $ = (id) => document.getElementById(id);

/** An element with properties (dataset entries as data-*) and children (strings become text nodes). */
function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'dataset') Object.assign(node.dataset, value);
    else node[key] = value;
  }
  for (const child of children) {
    if (child != null) node.append(child);
  }
  return node;
}

function say(text, isError = false) {
  const message = $('message');
  message.textContent = text;
  message.className = isError ? 'error' : '';
}

function fail(e) {
  if (e instanceof ApiError && e.status === 401) {
    signOut('The token was refused (missing, invalid or expired): sign in again.');
    return;
  }
  say(e instanceof ApiError ? `${e.title}: ${e.message}` : String(e.message || e), true);
}

/** Runs an action of a button or form: its errors go to the message line, the button is off while it runs. */
function action(fn) {
  return async (event) => {
    event?.preventDefault();
    const control = event?.submitter || event?.currentTarget;
    if (control) control.disabled = true;
    try {
      await fn(event);
    } catch (e) {
      fail(e);
    } finally {
      if (control) control.disabled = false;
    }
  };
}

function time(iso) {
  if (!iso) return '';
  const t = el('time', { dateTime: iso, title: iso }, new Date(iso).toLocaleString());
  return t;
}

function setTime(id, iso) {
  $(id).replaceChildren(...(iso ? [time(iso)] : []));
}

// ---- Sign-in

function whoami(jwt) {
  try {
    const payload = JSON.parse(atob(jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    return payload.name ? `${payload.name} (${payload.sub})` : payload.sub;
  } catch (e) {
    return '';
  }
}

async function signIn(jwt) {
  token.set(jwt.trim());
  try {
    await loadProjects();
  } catch (e) {
    token.clear();
    throw e;
  }
  $('signin').hidden = true;
  $('app').hidden = false;
  $('signout').hidden = false;
  $('whoami').textContent = `Signed in as ${whoami(token.get())}`;
  say('');
  await Promise.all([refreshSandbox(), listFiles('')]);
}

function signOut(text = '') {
  token.clear();
  $('app').hidden = true;
  $('signout').hidden = true;
  $('signin').hidden = false;
  $('whoami').textContent = '';
  say(text, text !== '');
}

async function devSignIn() {
  const sub = $('dev-user').value.trim();
  const res = await fetch(`/dev/token?sub=${encodeURIComponent(sub)}&name=${encodeURIComponent(sub)}`, { method: 'POST' });
  if (!res.ok) throw new ApiError(res.status, 'Dev sign-in', 'the dev token endpoint is not available');
  await signIn(await res.text());
}

// ---- Projects and fragments

let current = null; // the project shown

async function loadProjects() {
  const projects = await json('GET', '/api/projects');
  $('project-list').replaceChildren(...projects.map((p) => el('li', {},
    el('button', { type: 'button', dataset: { test: 'project', id: p.id }, onclick: action(() => showProject(p)) },
      p.name))));
  return projects;
}

async function createProject() {
  const name = $('project-name').value.trim();
  const project = await json('POST', '/api/projects', { json: { name } });
  $('project-name').value = '';
  await loadProjects();
  await showProject(project);
  say(`Created project ${project.name}`);
}

async function showProject(project) {
  current = project;
  $('project').hidden = false;
  $('project-name-shown').textContent = project.name;
  await loadFragments();
}

async function loadFragments() {
  const base = `/api/projects/${encodeURIComponent(current.id)}/fragments`;
  const fragments = await json('GET', base);
  // Each fragment against the one before it (the next in this newest-first list); the first 20 only.
  const diffs = await Promise.all(fragments.slice(0, 20).map((f, i) => {
    const previous = fragments[i + 1];
    return previous ? json('GET', `${base}/${encodeURIComponent(f.id)}/diff?from=${encodeURIComponent(previous.id)}`)
      : Promise.resolve(null);
  }));
  $('fragment-list').replaceChildren(...fragments.map((f, i) => fragmentItem(f, diffs[i], i === fragments.length - 1)));
}

function fragmentItem(f, diff, first) {
  const changes = el('ul', { className: 'diff', dataset: { test: 'fragment-diff' } });
  if (diff) {
    for (const [kind, sign] of [['added', '+'], ['changed', '~'], ['deleted', '−']]) {
      for (const path of diff[kind]) changes.append(el('li', { className: kind }, `${sign} ${path}`));
    }
    if (changes.childElementCount === 0) changes.append(el('li', {}, 'no changes'));
  } else {
    changes.append(el('li', {}, first ? 'first fragment' : 'diff not loaded'));
  }
  return el('li', { dataset: { test: 'fragment', id: f.id } },
    el('strong', {}, f.title || 'untitled'), ' · ', time(f.createdAt),
    ` · ${f.fileCount} files, ${f.totalBytes} bytes `,
    el('button', { type: 'button', dataset: { test: 'fragment-switch' }, onclick: action(() => switchTo(f.id)) },
      'Switch to this'),
    changes);
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** A file in the JSON fragment form: its text when it is UTF-8, else base64. */
async function jsonForm(file) {
  const bytes = new Uint8Array(await file.arrayBuffer());
  try {
    return utf8.decode(bytes);
  } catch (e) {
    let binary = '';
    for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
    return { encoding: 'base64', content: btoa(binary) };
  }
}

async function upload() {
  const files = [...$('upload-files').files];
  const title = $('upload-title').value.trim();
  const base = `/api/projects/${encodeURIComponent(current.id)}/fragments`;
  let fragment;
  if (files.length === 1 && /\.(tar\.gz|tgz)$/i.test(files[0].name)) {
    const query = title ? `?title=${encodeURIComponent(title)}` : '';
    fragment = await json('POST', base + query, { body: files[0], contentType: 'application/gzip' });
  } else {
    const body = { files: {} };
    if (title) body.title = title;
    for (const file of files) body.files[file.webkitRelativePath || file.name] = await jsonForm(file);
    fragment = await json('POST', base, { json: body });
  }
  $('upload-form').reset();
  await loadFragments();
  say(`Stored fragment ${fragment.id} with ${fragment.fileCount} files`);
}

// ---- Switch with progress

async function switchTo(fragmentId) {
  const list = $('progress-list');
  $('progress').hidden = false;
  list.replaceChildren();
  $('progress-result').textContent = 'Switching…';
  const body = { projectId: current.id };
  if (fragmentId) body.fragmentId = fragmentId;
  const res = await call('POST', '/api/switch-project', { json: body, accept: STREAM });
  if (isEventStream(res)) {
    let done = false;
    for await (const { event, data } of events(res)) {
      if (event === 'result') done = showSwitchResult(data);
      else if (event === 'problem') throw new ApiError(data.status, data.title, data.detail);
      else list.append(progressItem(event, data));
    }
    if (!done) throw new Error('The switch stream ended without a result: refresh to see where the sandbox is.');
  } else {
    showSwitchResult(await res.json());
  }
  await Promise.all([loadFragments(), refreshSandbox(), listFiles('')]);
}

function progressItem(event, data) {
  let extra = data && data.launch ? ` (${data.launch})` : '';
  if (event === 'saved-back' && data) extra = data.fragmentId ? ` (${data.savedFiles} files)` : ' (nothing changed)';
  const ms = data && data.ms != null ? ` · ${data.ms} ms` : '';
  return el('li', { dataset: { event } }, `${event}${extra}${ms}`);
}

function showSwitchResult(answer) {
  const r = answer.result || {};
  const saved = r.saveBack && r.saveBack.fragmentId ? `; saved ${r.saveBack.savedFiles} files first` : '';
  $('progress-result').textContent = `${answer.message}: ${r.restoredFiles} files restored into ${r.sandboxId}`
    + `${r.launch ? ` (${r.launch})` : ''}${saved}`;
  return true;
}

// ---- Sandbox panel

function safeUrl(url) {
  try {
    const parsed = new URL(url);
    return parsed.protocol === 'http:' || parsed.protocol === 'https:' ? parsed.href : null;
  } catch (e) {
    return null;
  }
}

async function refreshSandbox() {
  const [init, status] = await Promise.all([json('GET', '/api/sandbox/init'), json('GET', '/api/cleanup-sandboxes')]);
  const sandbox = init.sandbox;
  const live = status.currentSandbox;
  $('sandbox-status').textContent = sandbox ? sandbox.status : 'none';
  $('sandbox-status').dataset.status = sandbox ? sandbox.status : 'none';
  $('sandbox-id').textContent = sandbox ? sandbox.sandboxId : '';
  setTime('sandbox-created', sandbox && sandbox.createdAt);
  const lastUsed = sandbox && (sandbox.lastUsedAt
    || (live && live.sandboxId === sandbox.sandboxId ? live.lastUsedAt : null));
  setTime('sandbox-last-used', lastUsed);
  setTime('sandbox-stopped', sandbox && sandbox.stoppedAt);
  const open = $('sandbox-open');
  const url = sandbox && sandbox.status !== 'stopped' ? safeUrl(sandbox.sandboxUrl) : null;
  open.hidden = url === null;
  if (url) open.href = url;
  else open.removeAttribute('href');
}

async function cleanup() {
  const answer = await json('POST', '/api/cleanup-sandboxes');
  say(`${answer.message}: ${answer.results.killed} killed`, !answer.success);
  await Promise.all([refreshSandbox(), listFiles(''), current ? loadFragments() : null]);
}

// ---- Files and editor

let dir = '';

async function listFiles(path) {
  const list = $('file-list');
  let entries;
  try {
    entries = await json('GET', `/api/sandbox/files?path=${encodeURIComponent(path)}`);
  } catch (e) {
    if (!(e instanceof ApiError) || e.status === 401) throw e;
    list.replaceChildren(el('li', { className: 'muted' }, e.status === 404 ? 'No live sandbox.' : e.message));
    return;
  }
  dir = path;
  $('files-dir').textContent = `/${dir}`;
  list.replaceChildren(...entries.map((entry) => {
    const name = entry.path.split('/').pop();
    const isDir = entry.type === 'dir';
    const open = isDir ? () => listFiles(entry.path) : () => openFile(entry.path);
    return el('li', {},
      el('button', { type: 'button', dataset: { test: 'file', path: entry.path }, onclick: action(open) },
        isDir ? `${name}/` : name),
      isDir ? '' : ` ${entry.size} bytes`);
  }));
}

async function openFile(path) {
  const res = await call('GET', `/api/sandbox/files/${filePath(path)}`, { accept: '*/*' });
  const bytes = new Uint8Array(await res.arrayBuffer());
  $('editor-path').value = path;
  try {
    $('editor').value = utf8.decode(bytes);
    $('editor').readOnly = false;
    say(`Opened ${path}`);
  } catch (e) {
    $('editor').value = '';
    $('editor').readOnly = true;
    say(`${path} is not UTF-8 text (${bytes.length} bytes): not editable here`, true);
  }
}

async function saveFile() {
  const path = $('editor-path').value.trim();
  await call('PUT', `/api/sandbox/files/${filePath(path)}`, { body: $('editor').value });
  say(`Saved ${path}`);
  await listFiles(dir);
}

async function deleteFile() {
  const path = $('editor-path').value.trim();
  await call('DELETE', `/api/sandbox/files/${filePath(path)}`);
  $('editor').value = '';
  say(`Deleted ${path}`);
  await listFiles(dir);
}

// ---- Command box

async function runCommand() {
  const output = $('exec-output');
  const exit = $('exec-exit');
  output.replaceChildren();
  exit.textContent = 'Running…';
  const res = await call('POST', '/api/sandbox/exec', { json: { command: $('exec-command').value }, accept: STREAM });
  const append = (stream, text) => output.append(el('span', { className: stream }, text));
  if (isEventStream(res)) {
    let exited = false;
    for await (const { event, data } of events(res)) {
      if (event === 'stdout' || event === 'stderr') append(event, data.data);
      else if (event === 'exit') exited = showExit(data);
      else if (event === 'problem') throw new ApiError(data.status, data.title, data.detail);
    }
    if (!exited) {
      exit.textContent = 'no exit status';
      throw new Error('The command\'s stream ended without an exit status (no live sandbox, or the connection broke).');
    }
  } else {
    const answer = await res.json();
    append('stdout', answer.stdout);
    append('stderr', answer.stderr);
    showExit(answer);
  }
}

function showExit(data) {
  $('exec-exit').textContent = data.timedOut ? `timed out after ${data.durationMs} ms`
    : `exit ${data.exitCode} · ${data.durationMs} ms${data.truncated ? ' · output truncated' : ''}`;
  $('exec-exit').dataset.exitCode = data.exitCode == null ? '' : String(data.exitCode);
  return true;
}

// ---- Wiring

$('token-form').addEventListener('submit', action(() => signIn($('token').value)));
$('dev-form')?.addEventListener('submit', action(devSignIn));
$('signout').addEventListener('click', () => signOut());
$('project-form').addEventListener('submit', action(createProject));
$('upload-form').addEventListener('submit', action(upload));
$('switch-latest').addEventListener('click', action(() => switchTo(null)));
$('sandbox-refresh').addEventListener('click', action(refreshSandbox));
$('sandbox-cleanup').addEventListener('click', action(cleanup));
$('files-up').addEventListener('click', action(() => listFiles(dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '')));
$('files-refresh').addEventListener('click', action(() => listFiles(dir)));
$('editor-open').addEventListener('click', action(() => openFile($('editor-path').value.trim())));
$('editor-form').addEventListener('submit', action(saveFile));
$('editor-delete').addEventListener('click', action(deleteFile));
$('exec-form').addEventListener('submit', action(runCommand));

if (token.get()) signIn(token.get()).catch(fail);
document.body.dataset.ready = 'true';
