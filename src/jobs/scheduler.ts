/**
 * Runs each job of JOBS once per slot (its hour or its day, UTC) however many server processes tick:
 * before running, a process claims the slot with one insert into `job_runs` whose unique key (job,
 * slot) lets exactly one insert land; every other process's insert conflicts and it skips the job. A
 * run that crashes after its claim is not retried in the same slot — jobs are idempotent and catch up
 * in the next one. Node ticks from a timer (src/platform/node/server.ts), Workers from the cron trigger
 * (src/platform/workers/worker.ts).
 */
import { newId } from '../db/ids.js';
import type { Store } from '../db/store.js';
import { GuardError } from '../db/store.js';
import type { Logger } from '../http/logger-types.js';
import { JOBS, type Job, type JobPorts } from './registry.js';

/** `2030-01-01T08` for an hourly job, `2030-01-01` for a daily one. */
export function slotKey(every: Job['every'], now: Date): string {
  const iso = now.toISOString();
  return every === 'hourly' ? iso.slice(0, 13) : iso.slice(0, 10);
}

export const SLOT_CLAIMED = 'job-slot-claimed';

/** Claims (job, slot) for this process: true when this call's insert landed. */
export type ClaimSlot = (store: Store, job: string, slot: string, now: Date) => Promise<boolean>;

export const claimSlot: ClaimSlot = async (store, job, slot, now) => {
  try {
    await store
      .as({ system: 'scheduler' })
      .write((tx) =>
        tx.write(
          tx.db
            .insert(tx.t.jobRuns)
            .values({ id: newId(), job, slot, claimedAt: now })
            .onConflictDoNothing()
            .returning({ id: tx.t.jobRuns.id }),
          { guard: SLOT_CLAIMED },
        ),
      );
    return true;
  } catch (err) {
    if (err instanceof GuardError && err.guard === SLOT_CLAIMED) return false;
    throw err;
  }
};

export interface SchedulerOptions {
  platform: JobPorts;
  jobs?: readonly Job[];
  /** The guard; only a test replaces it (to show what happens without one). */
  claim?: ClaimSlot;
  logger?: Logger;
}

export interface Scheduler {
  /** Runs every job whose slot at `now` this process claims; resolves when they are done. */
  tick(now?: Date): Promise<{ ran: string[] }>;
  /** Ticks every `intervalMs` on a timer that does not keep the process alive. */
  start(intervalMs: number): void;
  /** Stops the timer; resolves when a tick under way has finished. */
  stop(): Promise<void>;
}

export function createScheduler(opts: SchedulerOptions): Scheduler {
  const { platform } = opts;
  const jobs = opts.jobs ?? JOBS;
  const claim = opts.claim ?? claimSlot;
  const logger = opts.logger ?? platform.logger;
  let timer: ReturnType<typeof setInterval> | null = null;
  let running: Promise<unknown> | null = null;

  async function tick(now = platform.clock.now()): Promise<{ ran: string[] }> {
    const ran: string[] = [];
    for (const job of jobs) {
      const slot = slotKey(job.every, now);
      if (!(await claim(platform.store, job.name, slot, now))) continue;
      try {
        await job.run(platform, now);
        ran.push(job.name);
      } catch (err) {
        // One failing job never stops the others; it catches up in its next slot.
        logger.error({ job: job.name, slot, err }, 'job failed');
      }
    }
    return { ran };
  }

  return {
    tick: (now) => {
      const p = tick(now);
      running = p.finally(() => {
        if (running === p) running = null;
      });
      return p;
    },
    start(intervalMs) {
      if (timer) return;
      const run = () => {
        if (running) return; // the previous tick is still going
        const p = tick().catch((err) => logger.error({ err }, 'scheduler tick failed'));
        running = p.finally(() => {
          running = null;
        });
      };
      timer = setInterval(run, intervalMs);
      (timer as { unref?: () => void }).unref?.();
      run();
    },
    async stop() {
      if (timer) clearInterval(timer);
      timer = null;
      await running;
    },
  };
}
