import { afterEach, describe, expect, it, vi } from "vitest";
import { createLaneWorkers, MAX_RUNNING_LANES } from "../../src/engine/lane-workers.js";
import { systemClock } from "../../src/ports/clock.js";

/** Lanes whose first run waits until released, looking at its lane before or after that wait; later runs end at once. */
function scripted(looks: "before the wait" | "after the wait") {
  const runs: string[] = [];
  let release: () => void = () => {};
  const lanes = createLaneWorkers(
    systemClock,
    async (lane) => {
      runs.push(lane);
      if (runs.length > 1) return;
      if (looks === "before the wait") lanes.looking(lane);
      await new Promise<void>((resolve) => (release = resolve));
      if (looks === "after the wait") lanes.looking(lane);
    },
    () => {},
  );
  return { lanes, runs, release: () => release() };
}

describe("lane workers", () => {
  it("does not run a lane again for a start its worker's later look already covered", async () => {
    const { lanes, runs, release } = scripted("after the wait");
    lanes.startLane("a");
    // Work committed while the worker runs, before it reads its lane: that read sees it.
    lanes.startLane("a");
    release();
    await lanes.settled("a");
    expect(runs).toEqual(["a"]);
  });

  it("runs a lane again for a start after its worker's last look", async () => {
    const { lanes, runs, release } = scripted("before the wait");
    lanes.startLane("a");
    lanes.startLane("a");
    release();
    await lanes.settled("a");
    expect(runs).toEqual(["a", "a"]);
  });

  /** Lanes that each run until the test finishes them, recording the order they started in. */
  function held() {
    const started: string[] = [];
    const finish = new Map<string, () => void>();
    const lanes = createLaneWorkers(
      systemClock,
      (lane) => {
        started.push(lane);
        return new Promise<void>((resolve) => finish.set(lane, resolve));
      },
      () => {},
    );
    return { lanes, started, finish: (lane: string) => finish.get(lane)!() };
  }
  const lane = (n: number) => `lane-${n}`;
  const flush = () => new Promise((resolve) => setImmediate(resolve));

  it(`runs at most ${MAX_RUNNING_LANES} lanes at once, the rest in the order they were started`, async () => {
    const { lanes, started, finish } = held();
    const count = MAX_RUNNING_LANES + 3;
    for (let n = 0; n < count; n++) lanes.startLane(lane(n));
    await flush();
    expect(started).toEqual(Array.from({ length: MAX_RUNNING_LANES }, (_, n) => lane(n)));
    // A start for a lane already waiting its turn does not queue it twice.
    lanes.startLane(lane(count - 1));
    finish(lane(3));
    await flush();
    expect(started.slice(MAX_RUNNING_LANES)).toEqual([lane(MAX_RUNNING_LANES)]);
    finish(lane(0));
    finish(lane(1));
    await flush();
    expect(started.slice(MAX_RUNNING_LANES)).toEqual([lane(MAX_RUNNING_LANES), lane(MAX_RUNNING_LANES + 1), lane(MAX_RUNNING_LANES + 2)]);
    for (const name of started) if (name !== lane(0) && name !== lane(1) && name !== lane(3)) finish(name);
    await lanes.idle();
    expect(started).toHaveLength(count);
  });

  it("settled() waits for a lane still waiting its turn; stop() lets the running finish and drops the waiting", async () => {
    const { lanes, started, finish } = held();
    for (let n = 0; n <= MAX_RUNNING_LANES + 1; n++) lanes.startLane(lane(n));
    let last = false;
    const settledLast = lanes.settled(lane(MAX_RUNNING_LANES + 1)).then(() => (last = true));
    finish(lane(0));
    await flush();
    expect(last).toBe(false);
    finish(lane(MAX_RUNNING_LANES));
    await flush();
    expect(started.at(-1)).toBe(lane(MAX_RUNNING_LANES + 1));
    finish(lane(MAX_RUNNING_LANES + 1));
    await settledLast;

    // Every turn taken again (lanes 1 to 15 still run), then three lanes wait.
    lanes.startLane("filler");
    for (const name of ["late-1", "late-2", "late-3"]) lanes.startLane(name);
    const stopping = lanes.stop();
    for (const name of started.filter(
      (name) => name !== lane(0) && name !== lane(MAX_RUNNING_LANES) && name !== lane(MAX_RUNNING_LANES + 1),
    ))
      finish(name);
    await stopping;
    expect(started.filter((name) => name.startsWith("late-"))).toEqual([]);
  });

  describe("a lane found leased by another instance", () => {
    afterEach(() => vi.useRealTimers());

    it("is looked at once more shortly, and not again when that look finds it leased too", async () => {
      vi.useFakeTimers();
      const runs: number[] = [];
      const lanes = createLaneWorkers(
        systemClock,
        async (lane) => {
          runs.push(Date.now());
          lanes.contested(lane);
        },
        () => {},
      );
      const start = Date.now();
      lanes.startLane("a");
      await lanes.settled("a");
      await vi.advanceTimersByTimeAsync(10_000);
      await lanes.settled("a");
      expect(runs.map((at) => at - start)).toEqual([0, 200]);
      // A later start that finds it leased looks once more again.
      lanes.startLane("a");
      await lanes.settled("a");
      await vi.advanceTimersByTimeAsync(10_000);
      expect(runs).toHaveLength(4);
      await lanes.stop();
    });
  });
});
