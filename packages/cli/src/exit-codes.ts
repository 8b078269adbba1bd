/** Every run completed, or the command succeeded. */
export const EXIT_OK = 0;
/** Bad input, or a run that failed. */
export const EXIT_ERROR = 1;
/** Stopped by SIGINT: 128 + 2, the shell's convention for a process ended by that signal. */
export const EXIT_INTERRUPTED = 130;
