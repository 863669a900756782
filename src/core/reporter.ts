// The narrow channel through which core modules tell the operator what is happening. The CLI plugs in
// a terminal-backed reporter (stderr only); tests and library use get the silent one.

export interface Step {
  update(text: string): void;
  succeed(text?: string): void;
  fail(text?: string): void;
}

export interface Reporter {
  /** Progress narration: shown on an interactive stderr, or with --verbose. */
  info(message: string): void;
  /** Something the operator should know even in cron: shown unless --quiet. */
  warn(message: string): void;
  /** A long-running step with a spinner / byte counter where the terminal allows it. */
  step(text: string): Step;
}

const silentStep: Step = { update() {}, succeed() {}, fail() {} };

export const silentReporter: Reporter = {
  info() {},
  warn() {},
  step: () => silentStep,
};
