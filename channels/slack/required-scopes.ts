/**
 * What Slack must grant for each Web API method, event and listener Warmline uses. manifest.json
 * must ask for exactly these; test/slack/manifest.test.ts scans channels/slack for calls and
 * fails when one is missing here or in the manifest.
 */

/** Bot scopes per Web API method we call (empty: no scope needed). */
export const SLACK_METHOD_SCOPES: Readonly<Record<string, readonly string[]>> = {
  "auth.test": [],
  "chat.postMessage": ["chat:write"],
  "chat.update": ["chat:write"],
  // The app's own messages only (a customer asked to be forgotten).
  "chat.delete": ["chat:write"],
  "chat.postEphemeral": ["chat:write"],
  "chat.getPermalink": [],
  "reactions.add": ["reactions:write"],
  "reactions.remove": ["reactions:write"],
  // files.uploadV2 is the SDK's wrapper for getUploadURLExternal + completeUploadExternal.
  "files.uploadV2": ["files:write"],
  "files.getUploadURLExternal": ["files:write"],
  "files.completeUploadExternal": ["files:write"],
  "users.info": ["users:read"],
  // Presence of rota members: is anyone there to take a customer now?
  "users.getPresence": ["users:read"],
  // Finding a message an interrupted delivery may already have posted (by its metadata).
  "conversations.history": ["channels:history", "groups:history"],
  "conversations.replies": ["channels:history", "groups:history"],
  // Team channels may be public or private.
  "conversations.list": ["channels:read", "groups:read"],
  "conversations.info": ["channels:read", "groups:read"],
  // Whose team channel a Home tab viewer is in.
  "conversations.members": ["channels:read", "groups:read"],
  "views.open": [],
  // The Home tab dashboard; views.* need no scope, only the home tab enabled in the manifest.
  "views.publish": [],
};

/** Bot events we subscribe to, with the scope each needs. Thread replies in public and private channels. */
export const SLACK_BOT_EVENTS: Readonly<Record<string, readonly string[]>> = {
  "message.channels": ["channels:history"],
  "message.groups": ["groups:history"],
  // Someone opened the app's Home tab: publish the dashboard. Needs no scope.
  app_home_opened: [],
};

/** Listener features beyond Web API methods. */
export const SLACK_FEATURE_SCOPES: Readonly<Record<string, readonly string[]>> = {
  /** The /warmline slash command. */
  command: ["commands"],
  /** Downloading files agents share in a thread (url_private with the bot token). */
  fileDownload: ["files:read"],
};

/** Scopes the app-level token needs in Socket Mode (not bot scopes). */
export const SLACK_APP_TOKEN_SCOPES = ["connections:write"] as const;

export function requiredBotScopes(): string[] {
  const all = [...Object.values(SLACK_METHOD_SCOPES), ...Object.values(SLACK_BOT_EVENTS), ...Object.values(SLACK_FEATURE_SCOPES)].flat();
  return [...new Set(all)].sort();
}
