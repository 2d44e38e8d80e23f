import fs from 'node:fs'
import http from 'node:http'
import path from 'node:path'

const TYPES: Record<string, string> = {
  '.html': 'text/html',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
}

function listFiles(dir: string, prefix = ''): Array<[string, string]> {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry): Array<[string, string]> => {
    const full = path.join(dir, entry.name)
    const url = `${prefix}/${entry.name}`
    return entry.isDirectory() ? listFiles(full, url) : [[url, full]]
  })
}

/**
 * A plain static server for a host page and its bundle (the files of `dir`, subfolders too, as
 * they are when it starts), on 127.0.0.1:`port`: no Tandem code runs on this side.
 */
export function serveStatic(dir: string, port: number): Promise<http.Server> {
  const files = new Map(listFiles(dir))
  const server = http.createServer((req, res) => {
    const pathname = new URL(req.url ?? '/', 'http://host').pathname
    const file = files.get(pathname === '/' ? '/index.html' : pathname)
    if (!file) {
      res.writeHead(404).end()
      return
    }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' })
    res.end(fs.readFileSync(file))
  })
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, '127.0.0.1', () => resolve(server))
  })
}

export function closeServer(server: http.Server | undefined): Promise<void> {
  return new Promise((resolve) => (server ? server.close(() => resolve()) : resolve()))
}
