/**
 * The Elysia app of the demo: the job API, the stats (JSON and server-sent events), the OpenAPI
 * document and the dashboard page, over a {@link JobService}. `server.ts` serves it; tests call
 * `app.handle(new Request("http://localhost/..."))`.
 *
 * @example
 * ```ts
 * const app = createApp(JobService.start({ bunWorkers: 1 }));
 * const res = await app.handle(new Request("http://localhost/health"));
 * ```
 * @module
 */
import { openapi } from "@elysiajs/openapi";
import { Elysia, sse, t } from "elysia";
import { JobService, QueueFullError, type Stats } from "./jobs.ts";

const PAGE = await Bun.file(new URL("./page.html", import.meta.url)).text();

const JobBody = t.Object({
  value: t.Number({ description: "the job's input; the result is value * 2", error: "must be a number" }),
  durationMs: t.Optional(t.Integer({
    minimum: 0, maximum: 10_000, description: "simulated work in the worker (ms)",
    error: "must be an integer from 0 to 10000",
  })),
});

const JobView = t.Object({
  id: t.String(),
  status: t.Union([t.Literal("queued"), t.Literal("running"), t.Literal("done"), t.Literal("failed"), t.Literal("lost")]),
  result: t.Optional(t.Number()),
  worker: t.Optional(t.Number()),
  error: t.Optional(t.String()),
});
const ErrorBody = t.Object({ error: t.String() });

interface ValidationIssue {
  path?: string;
  message?: string;
  summary?: string;
  schema?: { error?: unknown };
}

/** A validation error as one line naming the field: `value: must be a number`, `[3].durationMs: ...`. */
function validationMessage(error: { all?: ValidationIssue[]; message: string }): string {
  const first = error.all?.[0];
  if (!first) return error.message;
  const field = (first.path ?? "").split("/").filter(Boolean)
    .map((part, i) => (/^\d+$/.test(part) ? `[${part}]` : `${i ? "." : ""}${part}`)).join("") || "body";
  const why = typeof first.schema?.error === "string" ? first.schema.error : first.summary ?? first.message ?? "invalid";
  return `${field}: ${why}`;
}

/** The demo's routes over `service`. */
export function createApp(service: JobService) {
  return new Elysia()
    .use(openapi({
      path: "/openapi",
      documentation: { info: { title: "bun-sysv worker pool demo", version: "1.0.0", description: "Jobs run by Bun and PHP workers over System V message queues." } },
    }))
    .onError(({ code, error, set }) => {
      if (code === "VALIDATION") {
        set.status = 422;
        return { error: validationMessage(error as never) };
      }
      if (error instanceof QueueFullError) {
        set.status = 503;
        set.headers["retry-after"] = String(error.retryAfterSeconds);
        return { error: error.message };
      }
      if (code === "NOT_FOUND") {
        set.status = 404;
        return { error: "no such route" };
      }
    })
    .get("/", ({ set }) => {
      set.headers["content-type"] = "text/html; charset=utf-8";
      return PAGE;
    }, { detail: { summary: "The dashboard page", hide: false } })
    .get("/health", ({ set }) => {
      if (service.stopping) set.status = 503;
      return { ok: !service.stopping, stopping: service.stopping };
    }, { detail: { summary: "Liveness: answers at once, even with 10,000 jobs queued" } })
    .post("/jobs", ({ body, set }) => {
      set.status = 202;
      return service.submit(body);
    }, {
      body: JobBody,
      response: { 202: t.Object({ id: t.String() }), 422: ErrorBody, 503: ErrorBody },
      detail: { summary: "Queue one job (result: value * 2)" },
    })
    .post("/jobs/batch", ({ body, set }) => {
      set.status = 202;
      return { ids: service.submitMany(body) };
    }, {
      body: t.Array(JobBody, { maxItems: 10_000 }),
      response: { 202: t.Object({ ids: t.Array(t.String()) }), 422: ErrorBody, 503: ErrorBody },
      detail: { summary: "Queue up to 10,000 jobs; their ids in order" },
    })
    .get("/jobs/:id", ({ params, set }) => {
      const job = service.job(params.id);
      if (!job) {
        set.status = 404;
        return { error: `no job ${params.id} (unknown, or dropped from the store of finished jobs)` };
      }
      return job;
    }, {
      params: t.Object({ id: t.String() }),
      response: { 200: JobView, 404: ErrorBody },
      detail: { summary: "A job's status and result" },
    })
    .get("/stats", (): Stats => service.stats(), { detail: { summary: "Queue, jobs, throughput, workers and IPC objects" } })
    .get("/events", async function* ({ request }) {
      let wake: (() => void) | undefined;
      let changed = true;
      const unsubscribe = service.subscribe(() => {
        changed = true;
        wake?.();
      });
      try {
        while (!request.signal.aborted) {
          if (changed) {
            changed = false;
            const stats = service.stats();
            yield sse({ event: "stats", data: stats });
            if (stats.stopping && stats.ipc.length === 0) return;
          }
          await new Promise<void>((resolve) => {
            wake = resolve;
            setTimeout(resolve, 1000);
          });
          wake = undefined;
        }
      } finally {
        unsubscribe();
      }
    }, { detail: { summary: "The stats as server-sent events: every second and on each worker change" } });
}

/** The type of the app (for typed clients). */
export type DemoApp = ReturnType<typeof createApp>;
