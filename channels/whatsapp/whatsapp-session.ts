/**
 * LocalAuth keeps the linked-device session here, inside the data directory, so a restart needs no
 * new QR. Deleting this folder forces pairing again. Kept apart from client-options.ts so the
 * adapter can name it without loading whatsapp-web.js.
 */
export const WHATSAPP_SESSION_DIR = "whatsapp-session";
