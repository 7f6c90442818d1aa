// llama.cpp's prompt processing on a GGUF file, through the npm package node-llama-cpp (3.x,
// prebuilt CPU binaries), for docs/benchmarks.md "GGUF (issue 26)" and
// `depthscope-cli bench-forward --gguf FILE --peer llama.cpp`.
//
// It loads the model on the CPU (no GPU layers, mmap), makes a context of --tokens positions
// with one batch of --tokens, and evaluates a prompt of --tokens ids (BOS first, the rest
// drawn from a fixed seed, as DepthScope's bench-forward --gguf draws them) without
// generating: llama.cpp computes the logits of the last position only. The history is
// cleared between runs.
//
//   node tools/bench/llama_cpp_peer.mjs FILE.gguf [--tokens 256] [--threads 2] [--runs 5]
//       prints {"tokens_per_s", "seconds", "cpu_seconds", "runs", "llama_cpp_version", ...}
//       for the fastest of --runs evaluations (after one warm-up)
//   node tools/bench/llama_cpp_peer.mjs FILE.gguf --serve [--tokens ...] [--threads ...]
//       prints {"ready": true, ...} once loaded, then answers each stdin line {"cmd": "run"}
//       with one evaluation's {"seconds", "cpu_seconds"} (one JSON line each)
//
// node-llama-cpp is found in --module-dir (default $LLAMA_CPP_PEER_DIR, else /tmp/llamacpp):
// install it there, outside the repository:
//   mkdir -p /tmp/llamacpp && cd /tmp/llamacpp && npm init -y && npm install node-llama-cpp@3.22
import {createRequire} from "node:module";
import {pathToFileURL} from "node:url";
import {performance} from "node:perf_hooks";
import readline from "node:readline";
import fs from "node:fs";
import path from "node:path";

function parseArgs(argv) {
    const o = {file: null, tokens: 256, threads: 2, runs: 5, vocab: 32000, seed: 1, serve: false, allLogits: false,
               moduleDir: process.env.LLAMA_CPP_PEER_DIR || "/tmp/llamacpp"};
    for (let i = 0; i < argv.length; ++i) {
        const a = argv[i], next = () => {
            if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
            return argv[++i];
        };
        if (a === "--tokens") o.tokens = parseInt(next(), 10);
        else if (a === "--threads") o.threads = parseInt(next(), 10);
        else if (a === "--runs") o.runs = parseInt(next(), 10);
        else if (a === "--vocab") o.vocab = parseInt(next(), 10);
        else if (a === "--seed") o.seed = parseInt(next(), 10);
        else if (a === "--module-dir") o.moduleDir = next();
        else if (a === "--serve") o.serve = true;
        else if (a === "--all-logits") o.allLogits = true;
        else if (a.startsWith("--")) throw new Error(`unknown option ${a}`);
        else o.file = a;
    }
    if (!o.file) throw new Error("usage: llama_cpp_peer.mjs FILE.gguf [--tokens N] [--threads N] [--runs N] [--serve]");
    if (!(o.tokens >= 1) || !(o.threads >= 1) || !(o.runs >= 1)) throw new Error("--tokens, --threads and --runs must be positive");
    return o;
}

// BOS, then ids in [3, vocab) from a 32-bit LCG (Numerical Recipes' constants).
function promptTokens(n, vocab, bos, seed) {
    const out = [bos];
    let s = seed >>> 0;
    while (out.length < n) {
        s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
        out.push(3 + (s % (vocab - 3)));
    }
    return out;
}

async function main() {
    const o = parseArgs(process.argv.slice(2));
    const require = createRequire(path.join(path.resolve(o.moduleDir), "package.json"));
    const entry = require.resolve("node-llama-cpp");
    const packageJson = JSON.parse(fs.readFileSync(path.join(path.dirname(entry), "..", "package.json"), "utf8"));
    const {getLlama, LlamaLogLevel} = await import(pathToFileURL(entry).href);

    const llama = await getLlama({gpu: false, build: "never", maxThreads: o.threads, logLevel: LlamaLogLevel.error});
    const model = await llama.loadModel({modelPath: o.file, gpuLayers: 0});
    const context = await model.createContext({contextSize: o.tokens, batchSize: o.tokens, sequences: 1,
                                               threads: {ideal: o.threads, min: o.threads}});
    const sequence = context.getSequence();
    const bos = model.tokens.bos ?? 1;
    const tokens = promptTokens(o.tokens, o.vocab, bos, o.seed);
    // --all-logits: llama.cpp computes the logits of every position (each token asks for its next
    // token's total logit weight, a sum over the vocabulary in C++; no logits are copied to JS).
    const items = tokens.map((t) => [t, {generateNext: {totalLogitWeight: true}}]);
    const info = {llama_cpp_version: llama.llamaCppRelease.release, node_llama_cpp_version: packageJson.version,
                  build_type: llama.buildType, gpu: llama.gpu, tokens: o.tokens, threads: o.threads,
                  context_size: context.contextSize, batch_size: context.batchSize, file: o.file,
                  logits: o.allLogits ? "every position" : "last position"};

    const once = async () => {
        const c0 = process.cpuUsage();
        const t0 = performance.now();
        if (o.allLogits) await sequence.controlledEvaluate(items);
        else await sequence.evaluateWithoutGeneratingNewTokens(tokens);
        const seconds = (performance.now() - t0) / 1000;
        const c = process.cpuUsage(c0);
        await sequence.clearHistory();
        return {seconds, cpu_seconds: (c.user + c.system) / 1e6};
    };

    if (o.serve) {
        console.log(JSON.stringify({ready: true, ...info}));
        const rl = readline.createInterface({input: process.stdin});
        for await (const line of rl) {
            if (!line.trim()) continue;
            let cmd;
            try {
                cmd = JSON.parse(line).cmd;
            } catch {
                cmd = null;
            }
            if (cmd === "run") console.log(JSON.stringify(await once()));
            else console.log(JSON.stringify({error: `unknown command: ${line}`}));
        }
    } else {
        await once();  // warm-up
        let best = {seconds: Infinity, cpu_seconds: Infinity};
        for (let i = 0; i < o.runs; ++i) {
            const r = await once();
            best = {seconds: Math.min(best.seconds, r.seconds), cpu_seconds: Math.min(best.cpu_seconds, r.cpu_seconds)};
        }
        console.log(JSON.stringify({tokens_per_s: o.tokens / best.seconds, seconds: best.seconds,
                                    cpu_seconds: best.cpu_seconds, runs: o.runs, ...info}));
    }
    await context.dispose();
    await model.dispose();
    await llama.dispose();
}

main().catch((e) => {
    console.error(`llama_cpp_peer.mjs: ${e && e.message ? e.message : e}`);
    process.exit(1);
});
