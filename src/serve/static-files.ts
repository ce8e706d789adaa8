import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import type { ServerResponse } from 'node:http';
import { extname, join, sep } from 'node:path';
import { InputError } from '../errors.js';

/** Content types of the files a page is made of; anything else goes out as bytes. */
const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
  '.woff2': 'font/woff2',
};

/**
 * Files of one folder, by URL path: `/` is index.html, a folder is its index.html, never a listing;
 * a path that leaves the folder (`..`, an encoded slash, a symbolic link pointing out) is not found.
 */
export class StaticFiles {
  private constructor(private readonly root: string) {}

  static async open(folder: string): Promise<StaticFiles> {
    return new StaticFiles(await staticRoot(folder));
  }

  /** Sends the file for `urlPath` (GET, or HEAD without a body); false when there is none. */
  async send(urlPath: string, response: ServerResponse, head: boolean): Promise<boolean> {
    const file = await this.resolve(urlPath);
    if (file === undefined) return false;
    response.statusCode = 200;
    response.setHeader('Content-Type', CONTENT_TYPES[extname(file.path).toLowerCase()] ?? 'application/octet-stream');
    response.setHeader('Content-Length', file.size);
    if (head) {
      response.end();
      return true;
    }
    await new Promise<void>((resolve) => {
      const stream = createReadStream(file.path);
      stream.on('error', () => response.destroy());
      stream.on('close', resolve);
      stream.pipe(response);
    });
    return true;
  }

  private async resolve(urlPath: string): Promise<{ path: string; size: number } | undefined> {
    const relative = safeRelativePath(urlPath);
    if (relative === undefined) return undefined;
    try {
      let path = await realpath(join(this.root, relative));
      if (path !== this.root && !path.startsWith(this.root + sep)) return undefined;
      let info = await stat(path);
      if (info.isDirectory()) {
        path = await realpath(join(path, 'index.html'));
        if (!path.startsWith(this.root + sep)) return undefined;
        info = await stat(path);
      }
      return info.isFile() ? { path, size: info.size } : undefined;
    } catch {
      return undefined;
    }
  }
}

/** The folder's real path; an InputError when it is not a folder (a typo in --static should not serve nothing silently). */
export async function staticRoot(folder: string): Promise<string> {
  const root = await realpath(folder).catch(() => undefined);
  if (root === undefined || !(await stat(root)).isDirectory()) {
    throw new InputError('static', `--static ${folder}: not a folder that can be read`);
  }
  return root;
}

/** The URL path as segments below the folder, or undefined when it tries to leave it or is not a plain path. */
function safeRelativePath(urlPath: string): string | undefined {
  let segments: string[];
  try {
    segments = urlPath.split('/').map((segment) => decodeURIComponent(segment));
  } catch {
    return undefined;
  }
  const bad = (s: string) => s === '..' || s === '.' || s.includes('/') || s.includes('\\') || s.includes('\0') || s.startsWith('.');
  const kept = segments.filter((s) => s !== '');
  return kept.some(bad) ? undefined : kept.join(sep);
}
