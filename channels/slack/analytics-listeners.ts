import type { App } from "@slack/bolt";
import { registerAppHome, type AppHomeDeps } from "./app-home.js";
import { registerFeedbackListeners, type FeedbackListenerDeps } from "./feedback-listeners.js";

export type AnalyticsListenerDeps = FeedbackListenerDeps & Omit<AppHomeDeps, "logger">;

/** The analytics side of the Slack app: the Home tab dashboard, "View full transcript" and feedback buttons. */
export function registerAnalyticsListeners(app: App, deps: AnalyticsListenerDeps): void {
  registerFeedbackListeners(app, deps);
  registerAppHome(app, deps);
}
