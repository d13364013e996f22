/**
 * The `warmline` package: what an embedding application or a custom adapter needs. The service
 * itself (startWarmline), the config schema and its loaders, the ports and domain types, and the
 * factories of the shipped adapters. Run from source with tsx (the package ships TypeScript).
 */

// The service.
export { startWarmline, type StartWarmlineOptions, type WarmlineHandle } from "./main.js";
export type { Engine } from "./engine/engine.js";
export { createLogger, createSilentLogger } from "./logging.js";
export { SHIPPED_CONFIG_FILE } from "./paths.js";

// Config: the one schema, its loaders and the environment.
export {
  configSchema,
  checkedConfigSchema,
  type WarmlineConfig,
  type TeamConfig,
  type PolicyConfig,
  type RoutingConfig,
  type BusinessHoursConfig,
  type KeywordsConfig,
  type MessagesConfig,
} from "./config/schema.js";
export {
  DEFAULT_CONFIG_FILE,
  loadConfigFile,
  parseConfig,
  loadEnv,
  type WarmlineEnv,
} from "./config/load-config.js";
export { dataDirOf, readEnvironment, storeLocationOf, type Environment } from "./config/environment.js";

// Ports: what the core needs from the outside world.
export type {
  AgentWorkspace,
  AgentActions,
  AdminActions,
  ActionResult,
  ActionRefusal,
  ClaimResult,
  AgentReplyResult,
  CardStatus,
  ThreadPost,
  TeamStatus,
} from "./ports/agent-workspace.js";
export type { AnalyticsActions, FeedbackResult, TranscriptView } from "./ports/analytics.js";
export type { Assistant, AssistantTurn, AttemptedAction, ExtractedEntities } from "./ports/assistant.js";
export { systemClock, type Clock } from "./ports/clock.js";
export type { Commerce, Order, RefundPolicyCheck } from "./ports/commerce.js";
export type { ConversationStore } from "./ports/conversation-store.js";
export type {
  CustomerChannel,
  CustomerChannelEvents,
  CustomerMessageChange,
  DeliveryAttempt,
  DeliveryState,
  DeliveryUpdate,
  InboundCustomerMessage,
  OutboundCustomerMessage,
  SentCustomerMessage,
} from "./ports/customer-channel.js";
export type { Logger, LogFn } from "./ports/logger.js";
export type { OutboxItem, OutboxStore, WarmlineStore } from "./ports/outbox.js";
export type { CaseRequest, OpenedCase, OpsAlert, Ticketing } from "./ports/ticketing.js";

// Domain types.
export type {
  AgentRef,
  Attachment,
  ConfirmedSend,
  Conversation,
  ConversationState,
  Customer,
  CustomerTier,
  TranscriptEntry,
} from "./domain/conversation.js";
export {
  ESCALATION_REASONS,
  type Escalation,
  type EscalationReason,
  type FallbackCase,
  type Priority,
} from "./domain/escalation.js";
export type { ContextPackage } from "./domain/context-package.js";
export type { AuditAction, AuditEvent } from "./domain/audit.js";
export { isWarmlineError, WarmlineError, type WarmlineErrorCode } from "./domain/errors.js";

// Adapters' factories.
export { openConversationStore, createMemoryStore, createSqliteStore, createRedisStore, type StoreLocation } from "./store/index.js";
export {
  createOfflineAssistant,
  createFileCommerce,
  DEFAULT_ANSWERS_FILE,
  DEFAULT_CORPUS_FILE,
  DEFAULT_ORDERS_FILE,
  type OfflineAssistantOptions,
  type FileCommerceOptions,
} from "./assistant/index.js";
export { createAssistantFromConfig } from "./assistant/from-config.js";
// The Slack workspace is built from Bolt's app.client: `new SlackWorkspaceAdapter({ client: app.client, … })`.
export { SlackWorkspaceAdapter, type SlackWorkspaceOptions } from "../channels/slack/slack-workspace.js";
export { createWhatsAppChannel, WhatsAppChannelAdapter, type WhatsAppChannelOptions } from "../channels/whatsapp/whatsapp-channel.js";
export type { WhatsAppClientPort } from "../channels/whatsapp/client-port.js";
// The fallback routes while Slack is down (config.fallback), and the receiver's signature check.
export { createEmailTicketing, createSmtpTransport, type EmailTicketingOptions } from "../channels/email/email-ticketing.js";
export { createWebhookTicketing, type WebhookTicketingOptions } from "../channels/webhook/webhook-ticketing.js";
export { signWebhookBody, verifyWebhookSignature } from "../channels/webhook/webhook-signature.js";
