// The govc extension: starts `govc lsp` and connects VS Code to it. Everything the editor shows
// about .gov files beyond the TextMate highlighting (diagnostics, hover, navigation, completion,
// formatting, quick fixes, semantic highlighting) comes from the server.

import * as vscode from "vscode";
import {
  Executable,
  LanguageClient,
  LanguageClientOptions,
  ServerOptions,
} from "vscode-languageclient/node";

let client: LanguageClient | undefined;

function serverOptions(): ServerOptions {
  const config = vscode.workspace.getConfiguration("govc");
  const command = config.get<string>("path") || "govc";
  const run: Executable = { command, args: ["lsp"] };
  return { run, debug: run };
}

function clientOptions(): LanguageClientOptions {
  const config = vscode.workspace.getConfiguration("govc");
  return {
    documentSelector: [{ scheme: "file", language: "gov" }],
    synchronize: {
      // Files created, changed or deleted outside the editor are read again.
      fileEvents: vscode.workspace.createFileSystemWatcher("**/*.gov"),
    },
    initializationOptions: {
      debounceMs: config.get<number>("debounceMs", 100),
    },
  };
}

async function start(context: vscode.ExtensionContext): Promise<void> {
  client = new LanguageClient("govc", "govc language server", serverOptions(), clientOptions());
  try {
    await client.start();
  } catch (error) {
    const path = vscode.workspace.getConfiguration("govc").get<string>("path") || "govc";
    void vscode.window.showErrorMessage(
      `Could not start the govc language server (\`${path} lsp\`): ${String(error)}. ` +
        "Install govc or set `govc.path`.",
    );
  }
  context.subscriptions.push({ dispose: () => void client?.stop() });
}

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  context.subscriptions.push(
    vscode.commands.registerCommand("govc.restartServer", async () => {
      await client?.stop();
      await start(context);
    }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("govc.path") || event.affectsConfiguration("govc.debounceMs")) {
        await client?.stop();
        await start(context);
      }
    }),
  );
  await start(context);
}

export async function deactivate(): Promise<void> {
  await client?.stop();
}
