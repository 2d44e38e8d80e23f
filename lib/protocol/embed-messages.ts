/**
 * The postMessage vocabulary between `/embed/<docId>` (the frame) and the page that embeds it
 * (the host). One module for both sides: the frame's bridge (lib/client/embed-bridge.ts) sends
 * and checks exactly these shapes, and a host written in TypeScript can import the same types.
 *
 * Every message is a flat object whose `type` starts with `tandem:`. `tandem:ready` carries the
 * protocol `version`; a host should check it. Additions (new messages, new optional fields) keep
 * the version; a change that breaks an existing message raises it.
 */
import type { AccessFailure } from './access'

export const EMBED_PROTOCOL_VERSION = 1

/** Formats `tandem:get-content` may ask for. */
export const EMBED_CONTENT_FORMATS = ['json', 'html', 'markdown', 'text'] as const
export type EmbedContentFormat = (typeof EMBED_CONTENT_FORMATS)[number]

export type EmbedConnectionStatus = 'connecting' | 'connected' | 'offline'

export interface EmbedPerson {
  name: string
  color: string
}

/** Why the frame cannot show the document: the server's reason, or 'Unknown'. */
export type EmbedErrorReason = AccessFailure | 'Unknown'

/** Frame → host. */
export type EmbedOutgoingMessage =
  /** The frame listens (sent once, first, before access is known); check `version`. */
  | { type: 'tandem:ready'; version: typeof EMBED_PROTOCOL_VERSION; docId: string }
  | { type: 'tandem:status'; status: EmbedConnectionStatus }
  /** true once the server has confirmed every local change; false while some are unconfirmed. */
  | { type: 'tandem:saved'; saved: boolean }
  /** Everyone in the document, one entry per person, this frame's user first. */
  | { type: 'tandem:presence'; people: EmbedPerson[] }
  /** The document changed (here or elsewhere); debounced, without content (ask for it). */
  | { type: 'tandem:change' }
  | { type: 'tandem:error'; reason: EmbedErrorReason; status: number; message: string }
  /** The answer to `tandem:get-content`; `content` is a string, or an object for 'json'. */
  | { type: 'tandem:content'; requestId: string; format: EmbedContentFormat; content: unknown }
  /** A request the frame could not answer (bad format, document not open yet). */
  | { type: 'tandem:request-failed'; requestId: string; message: string }

/** Host → frame. */
export type EmbedIncomingMessage =
  | { type: 'tandem:get-content'; format: EmbedContentFormat; requestId: string }
  /** The name and colour others see for this frame's user (colour optional, #rrggbb). */
  | { type: 'tandem:set-user'; name: string; color?: string }
  | { type: 'tandem:focus' }

export type EmbedOutgoingType = EmbedOutgoingMessage['type']
export type EmbedIncomingType = EmbedIncomingMessage['type']

const MAX_NAME_LENGTH = 80
const MAX_REQUEST_ID_LENGTH = 200

export function isEmbedContentFormat(value: unknown): value is EmbedContentFormat {
  return typeof value === 'string' && (EMBED_CONTENT_FORMATS as readonly string[]).includes(value)
}

/**
 * What a host sent, checked: the message, or null for anything that is not one of ours
 * (other libraries post messages to frames too; those are ignored, not errors). A
 * `tandem:get-content` with a bad format still parses when it has a requestId, so the host
 * hears why (see `EmbedBridge`).
 */
export function parseEmbedIncoming(data: unknown): EmbedIncomingMessage | { type: 'invalid'; requestId: string; message: string } | null {
  if (typeof data !== 'object' || data === null) return null
  const message = data as Record<string, unknown>
  switch (message.type) {
    case 'tandem:get-content': {
      const { requestId, format } = message
      if (typeof requestId !== 'string' || requestId === '' || requestId.length > MAX_REQUEST_ID_LENGTH) return null
      if (!isEmbedContentFormat(format)) {
        return { type: 'invalid', requestId, message: `format must be one of ${EMBED_CONTENT_FORMATS.join(', ')}` }
      }
      return { type: 'tandem:get-content', requestId, format }
    }
    case 'tandem:set-user': {
      const name = typeof message.name === 'string' ? message.name.trim() : ''
      if (name === '' || name.length > MAX_NAME_LENGTH) return null
      const color = message.color
      if (color !== undefined && (typeof color !== 'string' || !/^#[0-9a-fA-F]{6}$/.test(color))) return null
      return color === undefined ? { type: 'tandem:set-user', name } : { type: 'tandem:set-user', name, color }
    }
    case 'tandem:focus':
      return { type: 'tandem:focus' }
    default:
      return null
  }
}

/**
 * Which hosts may embed the frame and talk to it: any origin ('*', only without auth), or the
 * listed origins (`TANDEM_EMBED_ORIGINS`; empty: none).
 */
export type EmbedOrigins = '*' | readonly string[]

/** Name of the request header through which the server tells the embed page its `EmbedOrigins`. */
export const EMBED_ORIGINS_HEADER = 'x-tandem-embed-origins'

export function formatEmbedOrigins(origins: EmbedOrigins): string {
  return origins === '*' ? '*' : origins.join(' ')
}

/** The header's value back as `EmbedOrigins` (absent or empty: none, the safe reading). */
export function parseEmbedOrigins(value: string | null | undefined): EmbedOrigins {
  const trimmed = value?.trim() ?? ''
  if (trimmed === '*') return '*'
  return trimmed.split(/\s+/).filter((origin) => origin !== '' && origin !== '*')
}

export function embedOriginAllowed(origins: EmbedOrigins, origin: string): boolean {
  if (origin === '' || origin === 'null') return false
  return origins === '*' || origins.includes(origin)
}
