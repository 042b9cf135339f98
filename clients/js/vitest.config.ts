import { defineConfig } from "vitest/config";

export default defineConfig({
    test: {
        include: ["test/**/*.test.{ts,tsx}"],
        globalSetup: ["test/global_setup.ts"],
        // One Nectar and one PostgreSQL for every file; files one after another keep the timing
        // assertions honest on a 2-core machine.
        fileParallelism: false,
        testTimeout: 30_000,
        hookTimeout: 60_000,
    },
});
