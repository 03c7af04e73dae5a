// The govc extension: starts `govc lsp` and connects VS Code to it. Everything the editor shows
// about .gov files beyond the TextMate highlighting (diagnostics, hover, navigation, completion,
// signature help, formatting, quick fixes, semantic highlighting) comes from the server.
//
// The server can be restarted at any time (the command, or a change of `govc.path`), also after
// a start that failed: each start makes a new client, and the old one is stopped only if it
// runs. When the server cannot be started, or exits while starting, the user is told why in
// govc's own words (what it printed), with the path that was run and what to do.

import { ChildProcess, spawn } from "child_process";
import * as vscode from "vscode";
import {
  CloseAction,
  CloseHandlerResult,
  ErrorAction,
  ErrorHandlerResult,
  LanguageClient,
  LanguageClientOptions,
  Message,
  ServerOptions,
  State,
} from "vscode-languageclient/node";

/** How many times a server that exits while running is started again, within three minutes. */
const MAX_RESTARTS = 4;

/** The language client, with the client's own error toasts kept out until the server has
 * started: a failed start is explained by one message of the extension's, not by the generic
 * ones a dead connection raises ("crashed 5 times", "Cannot call write after a stream was
 * destroyed"). A client whose start failed stays quiet: it is dropped at the next start. */
class GovcClient extends LanguageClient {
  quiet = true;

  override error(message: string, data?: unknown, showNotification: boolean | "force" = true): void {
    super.error(message, data, this.quiet ? false : showNotification);
  }
}

/** One run of `govc lsp`: the process, the end of what it wrote to stderr, and its exit. */
interface ServerProcess {
  child: ChildProcess;
  stderr: string;
  exit?: string;
  /** Settles once the process has exited and its output is closed. */
  closed: Promise<void>;
}

let client: GovcClient | undefined;
let output: vscode.OutputChannel;
/** Starts and stops run one at a time, in order. */
let queue: Promise<void> = Promise.resolve();

function configuredPath(): string {
  return vscode.workspace.getConfiguration("govc").get<string>("path") || "govc";
}

/** Spawns `command lsp`; rejects if it cannot be run at all (not found, not executable). */
function launch(command: string, sink: (p: ServerProcess) => void): Promise<ChildProcess> {
  const cwd = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === "file")?.uri.fsPath;
  return new Promise((resolve, reject) => {
    const child = spawn(command, ["lsp"], { cwd, stdio: "pipe" });
    const run: ServerProcess = { child, stderr: "", closed: Promise.resolve() };
    run.closed = new Promise((done) => {
      child.on("close", (code, signal) => {
        run.exit = signal ? `was killed by ${signal}` : `exited with code ${code}`;
        done();
      });
    });
    child.stderr?.on("data", (chunk: Buffer) => {
      run.stderr = (run.stderr + chunk.toString()).slice(-4000);
    });
    child.once("error", reject);
    child.once("spawn", () => {
      sink(run);
      resolve(child);
    });
  });
}

/** Why `command` could not be run, as a user reads it. */
function launchFailure(command: string, error: unknown): string {
  const code = (error as NodeJS.ErrnoException)?.code;
  const why =
    code === "ENOENT"
      ? "no such file was found"
      : code === "EACCES"
        ? "it is not an executable file"
        : String(error);
  return `Could not start the govc language server: "${command}" could not be run (${why}).`;
}

/** What a server that exited said, its last lines on stderr. */
function lastWords(run: ServerProcess): string {
  const lines = run.stderr
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  return lines.slice(-3).join(" ");
}

const HINT =
  "Set govc.path to the govc executable (or put govc on the PATH), then run " +
  '"govc: Restart the language server".';

async function explain(message: string): Promise<void> {
  const choice = await vscode.window.showErrorMessage(`${message} ${HINT}`, "Open Settings", "Show Output");
  if (choice === "Open Settings") {
    await vscode.commands.executeCommand("workbench.action.openSettings", "govc.path");
  } else if (choice === "Show Output") {
    output.show(true);
  }
}

async function start(): Promise<void> {
  const command = configuredPath();
  const config = vscode.workspace.getConfiguration("govc");
  let current: ServerProcess | undefined;
  let launchError: unknown;
  let launched: (run: ServerProcess) => void = () => undefined;
  const firstRun = new Promise<ServerProcess>((resolve) => (launched = resolve));
  const restarts: number[] = [];
  const serverOptions: ServerOptions = () =>
    launch(command, (run) => {
      current = run;
      launched(run);
    }).catch((error) => {
      launchError = error;
      throw error;
    });
  const clientOptions: LanguageClientOptions = {
    documentSelector: [{ scheme: "file", language: "gov" }],
    outputChannel: output,
    synchronize: {
      // Files created, changed or deleted outside the editor are read again.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.gov"),
    },
    initializationOptions: {
      debounceMs: config.get<number>("debounceMs", 100),
    },
    // Not the client's own toast with the bare reason ("Pending response rejected since
    // connection got disposed"): the failed start is explained below.
    initializationFailedHandler: () => false,
    errorHandler: {
      error: (_error: Error, _message: Message | undefined, count: number | undefined): ErrorHandlerResult => {
        if (newClient.quiet) {
          return { action: ErrorAction.Shutdown, handled: true };
        }
        return { action: count !== undefined && count <= 3 ? ErrorAction.Continue : ErrorAction.Shutdown };
      },
      closed: async (): Promise<CloseHandlerResult> => {
        const run = current;
        if (newClient.quiet || run === undefined) {
          // A start that failed: explained below.
          return { action: CloseAction.DoNotRestart, handled: true };
        }
        const now = Date.now();
        restarts.push(now);
        while (restarts.length > 0 && restarts[0] < now - 3 * 60 * 1000) {
          restarts.shift();
        }
        if (restarts.length <= MAX_RESTARTS) {
          return { action: CloseAction.Restart, handled: true };
        }
        await Promise.race([run.closed, delay(1000)]);
        const said = lastWords(run);
        const message =
          `The govc language server ("${command} lsp") ${run.exit ?? "stopped"} ` +
          `${restarts.length} times in three minutes${said ? `: ${said}` : ""}. It was not started again.`;
        void explain(message);
        return { action: CloseAction.DoNotRestart, message, handled: true };
      },
    },
  };
  const newClient = new GovcClient("govc", "govc language server", serverOptions, clientOptions);
  client = newClient;
  log(`starting "${command} lsp"`);
  // The start fails, or the server exits before it has started. `start()` cannot be trusted
  // alone: when the connection closes during `initialize` it may resolve as if it had started
  // (vscode-languageclient 9), so the client's state decides.
  const outcome = await Promise.race([
    newClient.start().then(
      () => (newClient.isRunning() ? ("started" as const) : ("exited" as const)),
      (error: unknown) => ({ error }),
    ),
    firstRun.then((run) => run.closed).then(() => "exited" as const),
  ]);
  log(`start: ${outcome === "started" || outcome === "exited" ? outcome : `failed (${String(outcome.error)})`}`);
  if (outcome === "started") {
    newClient.quiet = false;
    return;
  }
  if (launchError !== undefined) {
    const message = launchFailure(command, launchError);
    output.appendLine(message);
    void explain(message);
    return;
  }
  const run = current;
  if (run !== undefined) {
    await Promise.race([run.closed, delay(2000)]);
  }
  const said = run ? lastWords(run) : "";
  const how =
    run?.exit !== undefined
      ? `${run.exit} as it started`
      : `failed to start (${outcome === "exited" ? "it exited" : String(outcome.error)})`;
  const message = `The govc language server ("${command} lsp") ${how}${said ? `: ${said}` : ""}.`;
  output.appendLine(message);
  void explain(message);
}

/** Stops the client if it runs; a client whose start failed is only dropped. */
async function stop(): Promise<void> {
  const old = client;
  client = undefined;
  if (old === undefined) {
    return;
  }
  // Requests the stop cuts short are not worth a toast.
  old.quiet = true;
  log(`stopping the server (${old.state === State.Running ? "running" : "not running"})`);
  try {
    if (old.isRunning()) {
      await old.stop();
    }
  } catch (error) {
    output.appendLine(`Stopping the govc language server failed: ${String(error)}`);
  }
}

/** A line in the govc output channel, for when something goes wrong. */
function log(line: string): void {
  output.appendLine(`[govc ${new Date().toLocaleTimeString()}] ${line}`);
}

function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs a stop and start after those already asked for. */
function restart(): Promise<void> {
  queue = queue.then(stop).then(start);
  return queue;
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("govc");
  context.subscriptions.push(
    output,
    vscode.commands.registerCommand("govc.restartServer", restart),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("govc.path") || event.affectsConfiguration("govc.debounceMs")) {
        await restart();
      }
    }),
    { dispose: () => void stop() },
  );
  await restart();
}

export async function deactivate(): Promise<void> {
  queue = queue.then(stop);
  await queue;
}
