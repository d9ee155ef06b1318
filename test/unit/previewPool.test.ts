import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { mapInPool } from "../../preview/pool";

/** A task that finishes when the test says so, recording how many tasks run at once. */
function controlledTasks() {
    const finishers = new Map<number, () => void>();
    let running = 0;
    let mostAtOnce = 0;
    const started: number[] = [];
    const task = (item: string, index: number) =>
        new Promise<string>((resolve) => {
            running++;
            mostAtOnce = Math.max(mostAtOnce, running);
            started.push(index);
            finishers.set(index, () => {
                running--;
                resolve(`${item}!`);
            });
        });
    const finish = async (index: number) => {
        finishers.get(index)!();
        // Let the pool's worker pick up its next item.
        await new Promise((resolve) => setImmediate(resolve));
    };
    return { task, finish, started, mostAtOnce: () => mostAtOnce };
}

describe("mapInPool: the bounded pool of the multi-stack preview", () => {
    it("never runs more than the limit at once and starts the next item when one finishes", async () => {
        const { task, finish, started, mostAtOnce } = controlledTasks();
        const items = ["a", "b", "c", "d", "e"];
        const all = mapInPool(items, 2, task);
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(started, [0, 1]);
        await finish(1);
        assert.deepEqual(started, [0, 1, 2]);
        await finish(0);
        await finish(2);
        await finish(3);
        await finish(4);
        assert.deepEqual(await all, ["a!", "b!", "c!", "d!", "e!"]);
        assert.equal(mostAtOnce(), 2);
    });

    it("returns results in the items' order when they finish in reverse", async () => {
        const { task, finish } = controlledTasks();
        const items = ["x", "y", "z"];
        const all = mapInPool(items, 3, task);
        await new Promise((resolve) => setImmediate(resolve));
        for (const index of [2, 1, 0]) {
            await finish(index);
        }
        assert.deepEqual(await all, ["x!", "y!", "z!"]);
    });

    it("runs everything at once when the limit exceeds the items, and nothing for no items", async () => {
        const { task, started, finish } = controlledTasks();
        const all = mapInPool(["p", "q"], 10, task);
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(started, [0, 1]);
        await finish(0);
        await finish(1);
        assert.deepEqual(await all, ["p!", "q!"]);
        assert.deepEqual(await mapInPool([], 4, task), []);
    });

    it("rejects a pool size that is not a positive integer", async () => {
        await assert.rejects(
            mapInPool(["a"], 0, async (x) => x),
            /pool size must be a positive integer, got 0/,
        );
    });
});
