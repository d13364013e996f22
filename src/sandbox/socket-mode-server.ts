/**
 * A local Socket Mode endpoint: the fake Web API's apps.connections.open hands out its ws:// url.
 * It greets with `hello`, pushes events_api / interactive / slash_commands envelopes, and records
 * the app's acks (by envelope_id).
 */
import { randomUUID } from "node:crypto";
import type { AddressInfo } from "node:net";
import { WebSocket, WebSocketServer } from "ws";

export interface SocketModeAck {
  envelope_id: string;
  payload?: unknown;
}

export type SocketModeEnvelopeType = "events_api" | "interactive" | "slash_commands";

export interface SocketModeServer {
  url: string;
  acks: SocketModeAck[];
  /** Resolves once an app is connected and has been sent `hello`. */
  connected(): Promise<void>;
  /** Sends an envelope and resolves with the app's ack. */
  push(type: SocketModeEnvelopeType, payload: unknown): Promise<SocketModeAck>;
  close(): Promise<void>;
}

export async function startSocketModeServer(): Promise<SocketModeServer> {
  const wss = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => wss.once("listening", () => resolve()));
  const { port } = wss.address() as AddressInfo;
  const acks: SocketModeAck[] = [];
  const waiting = new Map<string, (ack: SocketModeAck) => void>();
  let socket: WebSocket | undefined;
  let onConnected: (() => void) | undefined;
  const connectedPromise = new Promise<void>((resolve) => (onConnected = resolve));

  wss.on("connection", (ws) => {
    socket = ws;
    ws.on("message", (data) => {
      const ack = JSON.parse(String(data)) as SocketModeAck;
      if (!ack.envelope_id) return;
      acks.push(ack);
      waiting.get(ack.envelope_id)?.(ack);
      waiting.delete(ack.envelope_id);
    });
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: 1,
        debug_info: { host: "fake-socket-mode", approximate_connection_time: 3600 },
        connection_info: { app_id: "A0WARMLINE" },
      }),
    );
    onConnected?.();
  });

  return {
    url: `ws://127.0.0.1:${port}/link/?ticket=${randomUUID()}`,
    acks,
    connected: () => connectedPromise,
    push(type, payload) {
      if (!socket || socket.readyState !== WebSocket.OPEN)
        throw new Error("No app is connected to the Socket Mode server yet: await connected() first.");
      const envelopeId = randomUUID();
      const acked = new Promise<SocketModeAck>((resolve) => waiting.set(envelopeId, resolve));
      socket.send(
        JSON.stringify({
          envelope_id: envelopeId,
          type,
          payload,
          accepts_response_payload: type !== "events_api",
          retry_attempt: 0,
          retry_reason: "",
        }),
      );
      return acked;
    },
    close: async () => {
      for (const client of wss.clients) client.terminate();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
