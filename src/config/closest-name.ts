import { editDistance } from "../domain/edit-distance.js";

const words = (name: string) =>
  name
    .replace(/([a-z0-9])([A-Z])/g, "$1 $2")
    .toLowerCase()
    .split(/[\s_-]+/)
    .filter(Boolean)
    .sort()
    .join(" ");

/**
 * The known name `name` most likely means (a config key, an intent): the same but for case, the
 * same words in another order ("order_cancel"), or the nearest within a few typos; undefined when
 * none is close.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const lower = name.toLowerCase();
  const candidates = [...known].sort();
  const same =
    candidates.find((candidate) => candidate.toLowerCase() === lower) ?? candidates.find((candidate) => words(candidate) === words(name));
  if (same !== undefined) return same;
  const allowance = Math.max(2, Math.round(name.length / 4));
  let best: string | undefined;
  let bestDistance = allowance + 1;
  for (const candidate of candidates) {
    const distance = editDistance(lower, candidate.toLowerCase(), bestDistance);
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}
