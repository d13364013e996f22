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

  describe("past the lanes worked at once", () => {
    /** Lanes that run until released one by one, two at once at most. */
    function gated() {
      const started: string[] = [];
      const releases = new Map<string, () => void>();
      const lanes = createLaneWorkers(
        systemClock,
        async (lane) => {
          started.push(lane);
          await new Promise<void>((resolve) => releases.set(lane, resolve));
        },
        () => {},
        2,
      );
      const release = async (lane: string) => {
        releases.get(lane)!();
        // The worker ends a few microtasks after its run does.
        for (let i = 0; i < 10; i++) await Promise.resolve();
      };
      return { lanes, started, release };
    }

    it("starts a lane as another ends, in the order they were started, and counts it as running meanwhile", async () => {
      const { lanes, started, release } = gated();
      for (const lane of ["a", "b", "c", "d"]) lanes.startLane(lane);
      expect(started).toEqual(["a", "b"]);
      expect(lanes.full()).toBe(true);
      // A lane waiting its turn is as good as running: a receive for it only stores.
      expect(lanes.running("c")).toBe(true);
      await release("b");
      expect(started).toEqual(["a", "b", "c"]);
      await release("a");
      expect(started).toEqual(["a", "b", "c", "d"]);
      await release("c");
      await release("d");
      await lanes.idle();
      expect(lanes.full()).toBe(false);
    });

    it("never holds back a first run: its caller has taken the lane's lease already", async () => {
      const { lanes, started } = gated();
      lanes.startLane("a");
      lanes.startLane("b");
      let ran = false;
      lanes.startLane("c", async () => {
        ran = true;
      });
      expect(ran).toBe(true);
      expect(started).toEqual(["a", "b"]);
    });

    it("settles a waiting lane once it has run, and stop drops the lanes still waiting", async () => {
      const { lanes, started, release } = gated();
      for (const lane of ["a", "b", "c", "d", "e"]) lanes.startLane(lane);
      let done = false;
      const settled = lanes.settled("c").then(() => (done = true));
      await release("a");
      expect(done).toBe(false);
      await release("c");
      await settled;
      expect(started).toEqual(["a", "b", "c", "d"]);
      const stopping = lanes.stop();
      await release("b");
      await release("d");
      await stopping;
      expect(started).toEqual(["a", "b", "c", "d"]);
    });
  });
});
