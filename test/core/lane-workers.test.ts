import { describe, expect, it } from "vitest";
import { createLaneWorkers } from "../../src/engine/lane-workers.js";
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

  it("never drops a start that lands as a worker ends, however many microtasks after its last run", async () => {
    // A start between the worker's last look and its removal would find it still registered, ask it to
    // run again too late, and leave the lane to the next poll. Every point of that window is tried.
    for (let ticks = 0; ticks < 12; ticks++) {
      const runs: string[] = [];
      const lanes = createLaneWorkers(
        systemClock,
        async (lane) => {
          runs.push(lane);
          lanes.looking(lane);
          if (runs.length > 1) return;
          let later = Promise.resolve();
          for (let i = 0; i < ticks; i++) later = later.then(() => undefined);
          void later.then(() => lanes.startLane("a"));
        },
        () => {},
      );
      lanes.startLane("a");
      for (let i = 0; i < 50; i++) await Promise.resolve();
      await lanes.idle();
      expect({ ticks, runs: runs.length }).toEqual({ ticks, runs: 2 });
      await lanes.stop();
    }
  });
});
