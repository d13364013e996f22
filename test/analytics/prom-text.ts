/** Parses Prometheus text exposition into `name{a="x",b="y"}` → value (labels sorted), for exact assertions. */
export function parsePromText(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!match) throw new Error(`Not a Prometheus sample line: ${line}`);
    const labels = [...(match[2] ?? "").matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => `${m[1]}="${m[2]}"`).sort();
    samples.set(`${match[1]}${labels.length > 0 ? `{${labels.join(",")}}` : ""}`, Number(match[3]));
  }
  return samples;
}

export function sampleKey(name: string, labels: Record<string, string> = {}): string {
  const parts = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .sort();
  return `${name}${parts.length > 0 ? `{${parts.join(",")}}` : ""}`;
}

/**
 * What is wrong with a Prometheus text exposition, one line per problem (empty when none): every
 * sample belongs to the family its `# TYPE` names, with the suffixes that type allows; a histogram
 * has `_bucket{le=…}` series with ascending bounds ending at +Inf and non-decreasing counts, and
 * `_sum` and `_count` (equal to the +Inf bucket); a gauge never carries a `quantile` label.
 */
export function expositionProblems(text: string): string[] {
  const problems: string[] = [];
  const types = new Map<string, string>();
  const buckets = new Map<string, { le: number; value: number }[]>();
  const counts = new Map<string, number>();
  const sums = new Set<string>();
  const suffixes: Record<string, string[]> = {
    gauge: [""],
    counter: ["_total", ""],
    histogram: ["_bucket", "_sum", "_count"],
    summary: ["", "_sum", "_count"],
  };
  for (const line of text.split("\n")) {
    const type = /^# TYPE (\S+) (\S+)$/.exec(line);
    if (type) {
      if (types.has(type[1]!)) problems.push(`${type[1]}: TYPE declared twice`);
      types.set(type[1]!, type[2]!);
      continue;
    }
    if (line === "" || line.startsWith("#")) continue;
    const sample = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)$/.exec(line);
    if (!sample) {
      problems.push(`not a sample line: ${line}`);
      continue;
    }
    const [, name, labelText = "", value] = sample as unknown as [string, string, string | undefined, string];
    const labels = new Map([...labelText.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1]!, m[2]!]));
    const family = [...types.keys()].find((f) => (suffixes[types.get(f)!] ?? [""]).some((suffix) => name === f + suffix));
    if (family === undefined) {
      problems.push(`${name}: no # TYPE line declares its family`);
      continue;
    }
    const kind = types.get(family)!;
    if (kind === "gauge" && labels.has("quantile")) problems.push(`${name}: a gauge with a quantile label (use a histogram)`);
    if (kind !== "histogram") continue;
    const series = [...labels]
      .filter(([key]) => key !== "le")
      .map(([key, v]) => `${key}="${v}"`)
      .sort()
      .join(",");
    const key = `${family}{${series}}`;
    if (name === `${family}_bucket`) {
      const le = labels.get("le");
      if (le === undefined) problems.push(`${name}{${series}}: a bucket without le`);
      else
        buckets.set(key, [
          ...(buckets.get(key) ?? []),
          { le: le === "+Inf" ? Number.POSITIVE_INFINITY : Number(le), value: Number(value) },
        ]);
    } else if (name === `${family}_count`) counts.set(key, Number(value));
    else sums.add(key);
  }
  for (const [family, kind] of types) {
    if (kind !== "histogram") continue;
    const keys = new Set([...buckets.keys(), ...counts.keys(), ...sums].filter((key) => key.startsWith(`${family}{`)));
    for (const key of keys) {
      const series = buckets.get(key) ?? [];
      if (series.length === 0) problems.push(`${key}: no _bucket series`);
      if (series.some((b, i) => i > 0 && !(b.le > series[i - 1]!.le))) problems.push(`${key}: le bounds not ascending`);
      if (series.some((b, i) => i > 0 && b.value < series[i - 1]!.value)) problems.push(`${key}: bucket counts decrease`);
      if (series.at(-1)?.le !== Number.POSITIVE_INFINITY) problems.push(`${key}: no le="+Inf" bucket`);
      if (!sums.has(key)) problems.push(`${key}: no _sum`);
      if (!counts.has(key)) problems.push(`${key}: no _count`);
      else if (series.at(-1)?.le === Number.POSITIVE_INFINITY && counts.get(key) !== series.at(-1)!.value)
        problems.push(`${key}: _count differs from the +Inf bucket`);
    }
  }
  return problems;
}
