import { WebClient } from "@slack/web-api";
import { problemLines, type SlackAuthResult, type SlackDoctorProbe } from "../../src/analytics/doctor-checks.js";
import type { WarmlineEnv } from "../../src/config/load-config.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import { resolveTeamChannels } from "./resolve-channels.js";
import { describeSlackError } from "./slack-errors.js";

/**
 * The doctor's view of Slack, over a WebClient of its own (the doctor runs without the service).
 * Granted scopes come from the x-oauth-scopes header, which the SDK puts in response_metadata.
 */
export function createSlackDoctorProbe(env: Pick<WarmlineEnv, "slackBotToken" | "slackApiUrl">): SlackDoctorProbe {
  const client = new WebClient(env.slackBotToken, {
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    ...(env.slackApiUrl ? { slackApiUrl: env.slackApiUrl.endsWith("/") ? env.slackApiUrl : `${env.slackApiUrl}/` } : {}),
  });
  return {
    async authTest(): Promise<SlackAuthResult> {
      try {
        const result = await client.auth.test();
        return {
          ok: true,
          user: result.user ?? result.user_id ?? "?",
          team: result.team ?? result.team_id ?? "?",
          scopes: result.response_metadata?.scopes,
        };
      } catch (error) {
        const info = describeSlackError(error);
        return { ok: false, error: info.code, fix: `${info.fix}.` };
      }
    },
    async channelProblems(config) {
      try {
        await resolveTeamChannels(client, config);
        return [];
      } catch (error) {
        if (!isWarmlineError(error)) throw error;
        return problemLines(error.message);
      }
    },
  };
}
