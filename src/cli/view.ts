import { Command, InvalidArgumentError } from 'commander';
import { spawn } from 'node:child_process';
import { makeLog, maxPixelsOption, withCommon, type Log } from './common.js';
import { DEFAULT_MODEL } from '../model/bundled.js';

function parsePort(s: string): number {
  const v = Number(s);
  if (!/^\d+$/.test(s.trim()) || !Number.isInteger(v) || v > 65535) throw new InvalidArgumentError('expected a port number 0–65535 (0 = any free port)');
  return v;
}

/** Opens `url` in the desktop's browser; a failure is a warning. */
function openBrowser(url: string, log: Log): void {
  const [cmd, args] =
    process.platform === 'darwin' ? ['open', [url]] : process.platform === 'win32' ? ['cmd', ['/c', 'start', '""', url]] : ['xdg-open', [url]];
  try {
    const child = spawn(cmd, args, { detached: true, stdio: 'ignore' });
    child.on('error', (err) => log.warn(`could not open a browser (${cmd}: ${err.message}); open the address yourself`));
    child.unref();
  } catch (err) {
    log.warn(`could not open a browser (${cmd}: ${(err as Error).message}); open the address yourself`);
  }
}

/** Resolves on the first SIGINT or SIGTERM. */
function untilStopped(): Promise<void> {
  return new Promise((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      resolve();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export function viewCommand(): Command {
  return withCommon(new Command('view'))
    .description(
      'Look at images with their spots in the browser: a local server (127.0.0.1 only, nothing leaves the computer) shows ' +
        'each image plane by plane with the spots of --spots and --truth, and can run a model in the page.',
    )
    .argument('<image...>', 'image files or folders of images')
    .option('-s, --spots <csv...>', 'spots to show (CSV files or folders; paired with the images by name, e.g. cells.tif ↔ cells.csv)')
    .option('-t, --truth <csv...>', 'ground truth to show (CSV files or folders, paired by name)')
    .option('-m, --model <file|name>', `model file or bundled model name the page runs (default: ${DEFAULT_MODEL})`)
    .option('--port <n>', 'port on 127.0.0.1 (default 0: any free port)', parsePort)
    .option('-a, --axes <letters>', 'axis order of the images, from c t z y x (e.g. zyx); default: from metadata, else guessed')
    .addOption(maxPixelsOption())
    .showHelpAfterError('(add --help for usage)')
    .option('--open', 'open the page in the default browser', false)
    .action(
      async (
        images: string[],
        o: { spots?: string[]; truth?: string[]; model?: string; port?: number; axes?: string; maxPixels?: number; open: boolean; verbose: boolean },
      ) => {
        const log = makeLog(o.verbose);
        // loaded on use: the server's modules stay out of every other command's start-up
        const { startViewer } = await import('../view/server.js');
        const viewer = await startViewer({
          images,
          spots: o.spots,
          truth: o.truth,
          model: o.model,
          port: o.port,
          axes: o.axes,
          maxPixels: o.maxPixels,
        });
        for (const w of viewer.warnings) log.warn(w);
        const stopped = untilStopped();
        const n = viewer.images.length;
        process.stdout.write(`deepblink view: serving ${n} image${n === 1 ? '' : 's'} at ${viewer.url}\n`);
        process.stdout.write('open it in a browser; Ctrl-C stops the server\n');
        if (o.open) openBrowser(viewer.url, log);
        await stopped;
        await viewer.close();
        process.stdout.write('deepblink view: stopped\n');
      },
    );
}
