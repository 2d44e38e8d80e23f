/**
 * The OpenAPI 3.1 description of the server's HTTP API, served at GET /api/openapi.json.
 *
 * It is written by hand next to the handlers, and tests/integration/openapi.test.ts keeps it
 * honest: every operation here is called against a real server and its answer is checked
 * against the status codes and schemas below, and every method a documented path does not list
 * must answer 405. An endpoint that changes without this file changing fails that test.
 */

import { IMAGE_TYPES } from '../files/sniff'

type Schema = Record<string, unknown>

const IMAGE_MEDIA_TYPES = [...IMAGE_TYPES]

const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` })

const json = (schema: Schema) => ({ 'application/json': { schema } })

function respond(description: string, schema?: Schema) {
  return schema ? { description, content: json(schema) } : { description }
}

const errorResponse = (description: string) => respond(description, ref('Error'))

const docIdParam = {
  name: 'id',
  in: 'path',
  required: true,
  description: '1–128 characters of A–Z a–z 0–9 _ - . (not . or ..)',
  schema: { type: 'string', pattern: '^[A-Za-z0-9_.-]{1,128}$' },
}

const versionIdParam = { name: 'versionId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } }

const webhookIdParam = { name: 'webhookId', in: 'path', required: true, schema: { type: 'string' } }

const contentFormatParam = {
  name: 'format',
  in: 'query',
  required: false,
  description: 'json (ProseMirror JSON, the default), html, markdown, text, or yjs (Y.encodeStateAsUpdate bytes)',
  schema: { type: 'string', enum: ['json', 'html', 'markdown', 'text', 'yjs'], default: 'json' },
}

/** The five renderings a document (or a version of it) is read in. */
const contentResponses = {
  'application/json': { schema: ref('ProseMirrorDoc') },
  'text/html': { schema: { type: 'string' } },
  'text/markdown': { schema: { type: 'string' } },
  'text/plain': { schema: { type: 'string' } },
  'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
}

/** What every route that looks at the caller's token may answer besides its own codes. */
const authErrors = {
  '401': errorResponse('Auth is on and the bearer token is missing, invalid, expired or revoked'),
  '403': errorResponse('The token does not grant this document, or its role is too low'),
}

/** PUT and POST /api/docs/{id}/content: the body by its media type (H6, H7, H9). */
function contentWrite(operationId: string, summary: string) {
  return {
    operationId,
    summary,
    parameters: [
      {
        name: 'ifEmpty',
        in: 'query',
        required: false,
        description: 'Write only if the content is empty; of racing seeds exactly one writes, the others get 409',
        schema: { type: 'boolean', default: false },
      },
    ],
    requestBody: {
      required: true,
      content: {
        'text/markdown': { schema: { type: 'string' } },
        'text/html': { schema: { type: 'string' } },
        'application/json': { schema: ref('ProseMirrorDoc') },
        'application/vnd.openxmlformats-officedocument.wordprocessingml.document': {
          schema: { type: 'string', format: 'binary', description: 'A Word file (at most 10 MiB), converted by mammoth' },
        },
      },
    },
    responses: {
      '200': respond('Written', ref('Document')),
      '201': respond('Written into a new document', ref('Document')),
      '400': errorResponse('Content the schema refuses, or an unreadable file (reason InvalidContent); nothing changed'),
      ...authErrors,
      '409': errorResponse('ifEmpty and the content is not empty (reason NotEmpty); nothing changed'),
      '410': errorResponse('The document was deleted (reason Deleted)'),
      '413': errorResponse('Body too large'),
      '415': errorResponse('Unsupported Content-Type'),
    },
  }
}

const isoTime = { type: 'string', format: 'date-time' }

const schemas: Record<string, Schema> = {
  Error: {
    type: 'object',
    required: ['error'],
    properties: {
      error: { type: 'string', description: 'What went wrong, in words' },
      reason: { type: 'string', description: 'A machine-readable key, e.g. Deleted' },
    },
  },
  Document: {
    type: 'object',
    required: ['id', 'title', 'createdAt', 'updatedAt'],
    additionalProperties: false,
    properties: { id: { type: 'string' }, title: { type: 'string' }, createdAt: isoTime, updatedAt: isoTime },
  },
  ListedDocument: {
    type: 'object',
    required: ['id', 'title', 'createdAt', 'updatedAt', 'lastEditor', 'preview'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      title: { type: 'string' },
      createdAt: isoTime,
      updatedAt: isoTime,
      lastEditor: {
        type: ['string', 'null'],
        description: "Who made the last change (the token's name, or the name shown to others in open mode); null when unknown",
      },
      preview: {
        type: ['string', 'null'],
        description:
          'The start of the text (not the title) on one line, at most 140 characters and "…"; null until computed (seconds after an edit)',
      },
      snippet: {
        description: 'Only with ?q=: a line of the text around the first match, null when only the title matched',
        oneOf: [{ type: 'null' }, ref('SearchSnippet')],
      },
    },
  },
  SearchSnippet: {
    type: 'object',
    required: ['text', 'highlights'],
    additionalProperties: false,
    properties: {
      text: { type: 'string', description: 'Plain text (never markup), "…" where it was cut' },
      highlights: {
        type: 'array',
        description: 'Where the search words occur in text (UTF-16 offsets, as JavaScript strings index)',
        items: {
          type: 'object',
          required: ['start', 'length'],
          additionalProperties: false,
          properties: { start: { type: 'integer', minimum: 0 }, length: { type: 'integer', minimum: 1 } },
        },
      },
    },
  },
  DocumentList: {
    type: 'object',
    required: ['documents'],
    properties: { documents: { type: 'array', items: ref('ListedDocument') } },
  },
  ProseMirrorDoc: {
    type: 'object',
    required: ['type'],
    description: 'A ProseMirror document of the editor schema (what editor.getJSON() gives)',
    properties: { type: { const: 'doc' }, content: { type: 'array', items: { type: 'object' } } },
  },
  Health: { type: 'object', required: ['status'], properties: { status: { const: 'ok' } } },
  Readiness: {
    type: 'object',
    required: ['status'],
    description: 'status plus one key per dependency: "ok" or why it failed',
    properties: { status: { enum: ['ready', 'degraded', 'unavailable'] } },
    additionalProperties: { type: 'string' },
  },
  Session: {
    type: 'object',
    required: ['auth', 'role'],
    properties: {
      auth: { type: 'boolean' },
      role: { enum: ['viewer', 'commenter', 'editor'] },
      userId: { type: 'string' },
      name: { type: ['string', 'null'] },
      docs: { type: 'array', items: { type: 'string' } },
      expiresAt: isoTime,
    },
  },
  SessionToken: {
    type: 'object',
    required: ['auth', 'token', 'role'],
    properties: {
      auth: { type: 'boolean' },
      token: { type: ['string', 'null'], description: 'null in open mode' },
      expiresAt: isoTime,
      role: { enum: ['viewer', 'commenter', 'editor'] },
      name: { type: ['string', 'null'] },
    },
  },
  ShareLink: {
    type: 'object',
    required: ['auth', 'role', 'url', 'expiresAt'],
    properties: {
      auth: { type: 'boolean' },
      role: { enum: ['viewer', 'editor'] },
      url: { type: 'string', description: 'A path on this server: /d/<id>, with ?token= when auth is on' },
      token: { type: 'string' },
      linkId: { type: 'string', description: 'The token subject, for revoking this link alone' },
      expiresAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  Revocation: {
    type: 'object',
    required: ['kind', 'id', 'at'],
    properties: {
      kind: { enum: ['user', 'document'] },
      id: { type: 'string' },
      at: { type: 'integer', description: 'ms since the epoch' },
    },
  },
  Version: {
    type: 'object',
    required: ['id', 'name', 'createdAt', 'automatic', 'author', 'size'],
    additionalProperties: false,
    properties: {
      id: { type: 'string' },
      name: { type: ['string', 'null'] },
      createdAt: isoTime,
      automatic: { type: 'boolean', description: 'Saved by the server while the document was edited (thinned with age unless named)' },
      author: {
        oneOf: [{ type: 'null' }, { type: 'object', required: ['name'], properties: { name: { type: 'string' }, id: { type: 'string' } } }],
      },
      size: { type: 'integer', minimum: 0, description: 'Bytes of the stored state' },
    },
  },
  VersionUser: {
    type: 'object',
    required: ['name'],
    additionalProperties: false,
    description: 'Open mode only: who does it (with auth on, the token’s user)',
    properties: { name: { type: 'string', minLength: 1, maxLength: 100 }, color: { type: 'string', pattern: '^#[0-9a-fA-F]{3,8}$' } },
  },
  Webhook: {
    type: 'object',
    required: ['id', 'url', 'events', 'enabled', 'createdAt'],
    properties: {
      id: { type: 'string' },
      url: { type: 'string' },
      events: { type: 'array', items: ref('WebhookEvent') },
      secret: { type: 'string', pattern: '^whsec_', description: 'Only in the answer to the registration' },
      enabled: { type: 'boolean' },
      disabledReason: { type: 'string' },
      createdAt: isoTime,
    },
  },
  WebhookEvent: {
    enum: ['document.created', 'document.updated', 'document.renamed', 'document.deleted', 'version.created', 'document.restored'],
  },
  WebhookDelivery: {
    type: 'object',
    required: ['webhookId', 'event', 'documentId', 'status', 'attempts'],
    properties: {
      webhookId: { type: 'string', description: 'The webhook-id header of every attempt' },
      event: ref('WebhookEvent'),
      documentId: { type: 'string' },
      occurredAt: { type: ['string', 'null'], format: 'date-time' },
      status: { enum: ['pending', 'delivered', 'failed'] },
      attempts: { type: 'integer', minimum: 0 },
      lastResponseStatus: { type: ['integer', 'null'] },
      lastError: { type: ['string', 'null'] },
      nextAttemptAt: { type: ['string', 'null'], format: 'date-time' },
      finishedAt: { type: ['string', 'null'], format: 'date-time' },
    },
  },
  UploadedFile: {
    type: 'object',
    required: ['id', 'url', 'type', 'size'],
    additionalProperties: false,
    properties: {
      id: {
        type: 'string',
        pattern: '^[A-Za-z0-9_-]{32}$',
        description: 'Derived from the bytes: the same image in one document is one file',
      },
      url: { type: 'string', description: 'Where it is served, relative to the server: /api/docs/{id}/files/{fileId}' },
      type: { enum: IMAGE_MEDIA_TYPES, description: 'What the bytes are (sniffed), whatever the upload declared' },
      size: { type: 'integer', minimum: 1 },
    },
  },
  RevocationResult: {
    type: 'object',
    required: ['revokedAt', 'user', 'document', 'closedConnections'],
    properties: {
      revokedAt: isoTime,
      user: { type: ['string', 'null'] },
      document: { type: ['string', 'null'] },
      closedConnections: { type: 'integer', minimum: 0 },
    },
  },
}

const paths: Record<string, Record<string, unknown>> = {
  '/healthz': {
    get: {
      operationId: 'health',
      summary: 'Liveness: the process answers',
      security: [],
      responses: { '200': respond('Alive', ref('Health')) },
    },
  },
  '/readyz': {
    get: {
      operationId: 'ready',
      summary: 'Readiness: storage answers (and, in a cluster, whether Redis does)',
      security: [],
      responses: {
        '200': respond('Ready, or degraded (a non-critical dependency such as Redis is down)', ref('Readiness')),
        '503': respond('Storage does not answer', ref('Readiness')),
      },
    },
  },
  '/metrics': {
    get: {
      operationId: 'metrics',
      summary: 'Prometheus metrics',
      security: [],
      responses: { '200': { description: 'Prometheus text format', content: { 'text/plain': { schema: { type: 'string' } } } } },
    },
  },
  '/embed.js': {
    get: {
      operationId: 'embedScript',
      summary: 'The editor for a <script type="module"> tag: one ES module with its dependencies, mounting every [data-tandem-doc] element',
      description:
        'Any origin may load it (Access-Control-Allow-Origin: *); cached for 300 s, then revalidated with its ETag (304). ' +
        'Compressed with br or gzip when accepted.',
      security: [],
      responses: {
        '200': { description: 'The module', content: { 'text/javascript': { schema: { type: 'string' } } } },
        '304': respond('Unchanged since the ETag in If-None-Match'),
      },
    },
  },
  '/embed.css': {
    get: {
      operationId: 'embedStyles',
      summary: 'The stylesheet /embed.js adds to the page',
      security: [],
      responses: {
        '200': { description: 'The stylesheet', content: { 'text/css': { schema: { type: 'string' } } } },
        '304': respond('Unchanged since the ETag in If-None-Match'),
      },
    },
  },
  '/api/openapi.json': {
    get: {
      operationId: 'openapi',
      summary: 'This description',
      security: [],
      responses: { '200': respond('OpenAPI 3.1 document', { type: 'object', required: ['openapi', 'paths'] }) },
    },
  },
  '/api/session': {
    get: {
      operationId: 'session',
      summary: 'What the caller’s token grants (open mode: auth false, role editor)',
      responses: { '200': respond('The session', ref('Session')), ...authErrors },
    },
  },
  '/api/tokens': {
    post: {
      operationId: 'exchangeToken',
      summary: 'A short-lived connection token for one document, exchanged for the caller’s token (a share link’s)',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['docId'],
          additionalProperties: false,
          properties: { docId: { type: 'string' }, name: { type: 'string', minLength: 1, maxLength: 100 } },
        }),
      },
      responses: {
        '200': respond('The token (null in open mode)', ref('SessionToken')),
        '400': errorResponse('Bad body or document id'),
        ...authErrors,
        '409': errorResponse('This server only verifies tokens another service mints'),
      },
    },
  },
  '/api/docs': {
    get: {
      operationId: 'listDocuments',
      summary:
        'Documents, most recently edited first, without those that have neither a title nor content (with auth on: only those the token grants); with ?q= a search',
      parameters: [
        {
          name: 'q',
          in: 'query',
          required: false,
          description:
            'Search words (at most 200 characters, 10 words): documents whose title or text contains every word, case-insensitively, each with a snippet; at most 50, most recently edited first',
          schema: { type: 'string', maxLength: 200 },
        },
      ],
      responses: {
        '200': respond('The list', ref('DocumentList')),
        '400': errorResponse('q too long or too many words'),
        '401': authErrors['401'],
      },
    },
    post: {
      operationId: 'createDocument',
      summary: 'Create a document',
      requestBody: {
        content: json({
          type: 'object',
          additionalProperties: false,
          properties: { title: { type: 'string', maxLength: 200 }, id: { type: 'string' } },
        }),
      },
      responses: {
        '201': respond('Created', ref('Document')),
        '400': errorResponse('Bad body or id'),
        ...authErrors,
        '409': errorResponse('The id exists'),
        '410': errorResponse('The id was deleted (reason Deleted): PUT {"recreate": true} to create it again'),
      },
    },
  },
  '/api/docs/{id}': {
    parameters: [docIdParam],
    get: {
      operationId: 'getDocument',
      summary: 'Metadata as JSON, or the content with ?format=text|markdown|html (or an Accept header)',
      parameters: [{ name: 'format', in: 'query', required: false, schema: { enum: ['json', 'text', 'markdown', 'html'] } }],
      responses: {
        '200': {
          description: 'Metadata, or the content in the asked format',
          content: {
            'application/json': { schema: ref('Document') },
            'text/html': { schema: { type: 'string' } },
            'text/markdown': { schema: { type: 'string' } },
            'text/plain': { schema: { type: 'string' } },
          },
        },
        '400': errorResponse('Unknown format or bad id'),
        ...authErrors,
        '404': errorResponse('No such document (or deleted)'),
      },
    },
    put: {
      operationId: 'putDocument',
      summary: 'Create if missing; a deleted document stays deleted unless recreate is true',
      requestBody: {
        content: json({
          type: 'object',
          additionalProperties: false,
          properties: { title: { type: 'string', maxLength: 200 }, recreate: { type: 'boolean' } },
        }),
      },
      responses: {
        '200': respond('It existed', ref('Document')),
        '201': respond('Created', ref('Document')),
        '400': errorResponse('Bad body'),
        ...authErrors,
        '410': errorResponse('Deleted (reason Deleted)'),
      },
    },
    patch: {
      operationId: 'renameDocument',
      summary: 'Rename: the title lives in the document, so open editors update live',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['title'],
          additionalProperties: false,
          properties: { title: { type: 'string', maxLength: 200 } },
        }),
      },
      responses: {
        '200': respond('Renamed', ref('Document')),
        '400': errorResponse('Bad body'),
        ...authErrors,
        '404': errorResponse('No such document'),
      },
    },
    delete: {
      operationId: 'deleteDocument',
      summary: 'Delete: closes its connections (4404), removes its data, leaves a tombstone',
      responses: { '204': respond('Deleted'), ...authErrors, '404': errorResponse('No such document') },
    },
  },
  '/api/docs/{id}/content': {
    parameters: [docIdParam],
    get: {
      operationId: 'getContent',
      summary: 'The stored content as ProseMirror JSON, HTML, Markdown, plain text or the Yjs state',
      parameters: [contentFormatParam],
      responses: {
        '200': { description: 'The content', content: contentResponses },
        '400': errorResponse('Unknown format'),
        ...authErrors,
        '404': errorResponse('No such document'),
      },
    },
    put: contentWrite('replaceContent', 'Replace the content with the body (a minimal change, live in every open editor)'),
    post: contentWrite('appendContent', 'Append the body’s blocks after the content (live in every open editor)'),
  },
  '/api/docs/{id}/links': {
    parameters: [docIdParam],
    post: {
      operationId: 'createShareLink',
      summary: 'A share link: view-only or edit (view-only needs auth on)',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['role'],
          additionalProperties: false,
          properties: { role: { enum: ['viewer', 'editor'] }, expiresInDays: { type: 'integer', minimum: 1, maximum: 365, default: 30 } },
        }),
      },
      responses: {
        '201': respond('The link', ref('ShareLink')),
        '400': errorResponse('Bad body'),
        ...authErrors,
        '404': errorResponse('No such document'),
        '409': errorResponse('View-only links need auth on, or this server cannot mint tokens'),
      },
    },
  },
  '/api/docs/{id}/files': {
    parameters: [docIdParam],
    post: {
      operationId: 'uploadFile',
      summary:
        'Add an image to the document: its bytes as the body, or JSON {url} to have the server fetch one (F1, F7). ' +
        'Accepted by what the bytes are (PNG, JPEG, GIF, WebP, AVIF), never by the declared type or name; SVG is refused',
      parameters: [{ name: 'name', in: 'query', required: false, description: 'The file name, for downloads', schema: { type: 'string' } }],
      requestBody: {
        required: true,
        content: {
          ...Object.fromEntries(IMAGE_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
          'application/octet-stream': { schema: { type: 'string', format: 'binary' } },
          'application/json': {
            schema: {
              type: 'object',
              required: ['url'],
              additionalProperties: false,
              properties: {
                url: { type: 'string', format: 'uri', description: 'http(s); loopback and private addresses refused by default' },
              },
            },
          },
        },
      },
      responses: {
        '200': respond('The same image was already in the document', ref('UploadedFile')),
        '201': respond('Stored (the document is created if missing)', ref('UploadedFile')),
        '400': errorResponse('Empty body, bad JSON, or a URL that is not http(s) or points at a refused address (reason UrlRefused)'),
        ...authErrors,
        '410': errorResponse('The document was deleted (reason Deleted)'),
        '413': errorResponse('Larger than TANDEM_MAX_UPLOAD_BYTES (default 10 MiB)'),
        '415': errorResponse('The bytes are no accepted image (reason UnsupportedImage)'),
        '502': errorResponse('{url}: the remote server did not answer 200 with the image in time'),
      },
    },
  },
  '/api/docs/{id}/files/{fileId}': {
    parameters: [docIdParam, { name: 'fileId', in: 'path', required: true, schema: { type: 'string', pattern: '^[A-Za-z0-9_-]{1,64}$' } }],
    get: {
      operationId: 'getFile',
      summary:
        'The image, as the type its bytes are, with X-Content-Type-Options: nosniff, a sandboxing Content-Security-Policy ' +
        'and immutable caching (F3). Any role reads; with auth on the token may also come as ?token= (for <img>, F4). HEAD too',
      parameters: [
        { name: 'token', in: 'query', required: false, description: 'The bearer token, for <img> tags', schema: { type: 'string' } },
      ],
      responses: {
        '200': {
          description: 'The image',
          content: Object.fromEntries(IMAGE_MEDIA_TYPES.map((type) => [type, { schema: { type: 'string', format: 'binary' } }])),
        },
        '304': { description: 'If-None-Match named its ETag' },
        ...authErrors,
        '404': errorResponse('No such file in this document'),
      },
    },
  },
  '/api/docs/{id}/versions': {
    parameters: [docIdParam],
    get: {
      operationId: 'listVersions',
      summary: 'The document’s versions, newest first',
      responses: {
        '200': respond('The versions', {
          type: 'object',
          required: ['versions'],
          properties: { versions: { type: 'array', items: ref('Version') } },
        }),
        ...authErrors,
        '404': errorResponse('No such document'),
      },
    },
    post: {
      operationId: 'createVersion',
      summary: 'Save the stored state as a version (named, or not)',
      requestBody: {
        content: json({
          type: 'object',
          additionalProperties: false,
          properties: { name: { type: ['string', 'null'], minLength: 1, maxLength: 200 }, user: ref('VersionUser') },
        }),
      },
      responses: {
        '201': respond('Saved', ref('Version')),
        '400': errorResponse('Bad body'),
        ...authErrors,
        '404': errorResponse('No such document'),
      },
    },
  },
  '/api/docs/{id}/versions/{versionId}': {
    parameters: [docIdParam, versionIdParam],
    get: {
      operationId: 'getVersion',
      summary: 'A version’s content (preview), in the same formats as /content; the live document is untouched',
      parameters: [contentFormatParam],
      responses: {
        '200': { description: 'The version’s content', content: contentResponses },
        '400': errorResponse('Unknown format'),
        ...authErrors,
        '404': errorResponse('No such document or version'),
      },
    },
    patch: {
      operationId: 'renameVersion',
      summary: 'Name or rename a version (a named version is never thinned)',
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['name'],
          additionalProperties: false,
          properties: { name: { type: 'string', minLength: 1, maxLength: 200 } },
        }),
      },
      responses: {
        '200': respond('Renamed', ref('Version')),
        '400': errorResponse('Bad body'),
        ...authErrors,
        '404': errorResponse('No such document or version'),
      },
    },
  },
  '/api/docs/{id}/versions/{versionId}/restore': {
    parameters: [docIdParam, versionIdParam],
    post: {
      operationId: 'restoreVersion',
      summary:
        'Restore a version as a forward change: the current state is saved first (the backup), then the change back to the version is committed like any edit',
      requestBody: { content: json({ type: 'object', additionalProperties: false, properties: { user: ref('VersionUser') } }) },
      responses: {
        '200': respond('Restored', {
          type: 'object',
          required: ['restored', 'backup'],
          properties: { restored: ref('Version'), backup: ref('Version') },
        }),
        '400': errorResponse('Bad body'),
        ...authErrors,
        '404': errorResponse('No such document or version'),
        '503': errorResponse('This server is still catching up with the cluster (reason CatchingUp); nothing changed, try again'),
      },
    },
  },
  '/api/admin/revocations': {
    get: {
      operationId: 'listRevocations',
      summary: 'Every revocation',
      security: [{ adminSecret: [] }],
      responses: {
        '200': respond('The revocations', {
          type: 'object',
          required: ['revocations'],
          properties: { revocations: { type: 'array', items: ref('Revocation') } },
        }),
        '401': errorResponse('Admin secret required'),
        '404': errorResponse('The admin API is off (no admin or auth secret set)'),
      },
    },
    post: {
      operationId: 'revoke',
      summary: 'Revoke a user’s or a document’s tokens issued until now; open connections close at once (4403)',
      security: [{ adminSecret: [] }],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          additionalProperties: false,
          minProperties: 1,
          properties: { user: { type: 'string', minLength: 1, maxLength: 256 }, document: { type: 'string' } },
        }),
      },
      responses: {
        '200': respond('Revoked', ref('RevocationResult')),
        '400': errorResponse('Bad body'),
        '401': errorResponse('Admin secret required'),
        '404': errorResponse('The admin API is off'),
      },
    },
  },
  '/api/admin/webhooks': {
    get: {
      operationId: 'listWebhooks',
      summary: 'Registered webhook endpoints (without their secrets)',
      security: [{ adminSecret: [] }],
      responses: {
        '200': respond('The endpoints', {
          type: 'object',
          required: ['webhooks'],
          properties: { webhooks: { type: 'array', items: ref('Webhook') } },
        }),
        '401': errorResponse('Admin secret required (when one is set)'),
      },
    },
    post: {
      operationId: 'registerWebhook',
      summary: 'Register an endpoint; the answer holds its whsec_ signing secret, shown only here',
      security: [{ adminSecret: [] }],
      requestBody: {
        required: true,
        content: json({
          type: 'object',
          required: ['url'],
          additionalProperties: false,
          properties: { url: { type: 'string', maxLength: 2048 }, events: { type: 'array', minItems: 1, items: ref('WebhookEvent') } },
        }),
      },
      responses: {
        '201': respond('Registered', ref('Webhook')),
        '400': errorResponse('Bad body'),
        '401': errorResponse('Admin secret required (when one is set)'),
        '422': errorResponse('Refused URL (reason UnsafeUrl): not http(s), or a loopback, private or link-local address'),
      },
    },
  },
  '/api/admin/webhooks/{webhookId}': {
    parameters: [webhookIdParam],
    get: {
      operationId: 'getWebhook',
      summary: 'One endpoint (without its secret)',
      security: [{ adminSecret: [] }],
      responses: {
        '200': respond('The endpoint', ref('Webhook')),
        '401': errorResponse('Admin secret required'),
        '404': errorResponse('No such webhook'),
      },
    },
    delete: {
      operationId: 'deleteWebhook',
      summary: 'Remove an endpoint and its deliveries',
      security: [{ adminSecret: [] }],
      responses: { '204': respond('Removed'), '401': errorResponse('Admin secret required'), '404': errorResponse('No such webhook') },
    },
  },
  '/api/admin/webhooks/{webhookId}/deliveries': {
    parameters: [webhookIdParam],
    get: {
      operationId: 'listWebhookDeliveries',
      summary: 'The endpoint’s most recent deliveries, newest first',
      security: [{ adminSecret: [] }],
      parameters: [{ name: 'limit', in: 'query', required: false, schema: { type: 'integer', minimum: 1, maximum: 500, default: 50 } }],
      responses: {
        '200': respond('The deliveries', {
          type: 'object',
          required: ['deliveries'],
          properties: { deliveries: { type: 'array', items: ref('WebhookDelivery') } },
        }),
        '400': errorResponse('Bad limit'),
        '401': errorResponse('Admin secret required'),
        '404': errorResponse('No such webhook'),
      },
    },
  },
}

/** The release this description belongs to (the package version; the test checks they agree). */
export const API_VERSION = '0.1.0'

/** The whole description, as served. */
export function openApiDocument(): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: {
      title: 'Tandem',
      version: API_VERSION,
      description:
        'The HTTP API of a Tandem server. Documents sync over WebSocket (the y-websocket protocol at /<document id>); ' +
        'this API reads and manages them. With auth on (TANDEM_AUTH_SECRET or TANDEM_AUTH_PUBLIC_KEY_FILE) every /api call ' +
        'needs Authorization: Bearer <token>; reading needs any role, changing needs editor. Errors are {"error": "…"} ' +
        'with an optional machine-readable "reason".',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    security: [{}, { bearerToken: [] }],
    components: {
      securitySchemes: {
        bearerToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Tandem token (npm run token, or POST /api/tokens)',
        },
        adminSecret: { type: 'http', scheme: 'bearer', description: 'TANDEM_ADMIN_SECRET (or TANDEM_AUTH_SECRET)' },
      },
      schemas,
    },
    paths,
  }
}
