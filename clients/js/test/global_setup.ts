/** Starts the live servers once for the whole run (test/live_env.py) and hands their addresses
 * to the tests (`inject("live")`); closing the script's stdin stops and removes them. */

import { spawn, type ChildProcess } from "node:child_process";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";

import type { TestProject } from "vitest/node";

import type { LiveEnv } from "./live.js";

declare module "vitest" {
    export interface ProvidedContext {
        live: LiveEnv;
    }
}

const SCRIPT = fileURLToPath(new URL("./live_env.py", import.meta.url));

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
    const child = spawn("/usr/bin/python3", [SCRIPT], { stdio: ["pipe", "pipe", "inherit"] });
    const env = await firstLine(child);
    project.provide("live", env);
    return async () => {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.stdin?.end();
        const timer = setTimeout(() => child.kill("SIGTERM"), 60_000);
        await exited;
        clearTimeout(timer);
    };
}

function firstLine(child: ChildProcess): Promise<LiveEnv> {
    return new Promise((resolve, reject) => {
        const lines = createInterface({ input: child.stdout! });
        const failed = (code: number | null) => reject(new Error(`test/live_env.py exited with ${code} before starting`));
        child.once("exit", failed);
        lines.once("line", (line) => {
            child.off("exit", failed);
            resolve(JSON.parse(line) as LiveEnv);
        });
    });
}
