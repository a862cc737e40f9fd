/**
 * `npm start`: the CDS Hooks service on PORT (default 8080) with the model in LAMO_MODEL_DIR (default model/).
 * Refuses to start in production without trusted JWT issuers; elsewhere runs open, with a warning.
 */
import { Server as NetServer, type Socket } from 'net';
import { createLogger } from '../cds/logger';
import { createApp } from './app';
import { ConfigError, loadConfig } from './config';
import { buildAppDeps } from './wiring';

/** fhir-kit-client logs request headers (the FHIR access token) under DEBUG=fhir-kit-client:*; never allow it. */
function silenceTokenLogging(): boolean {
  const namespaces = (process.env.DEBUG ?? '').split(',').filter((namespace) => namespace.trim() !== '');
  const kept = namespaces.filter((namespace) => !/fhir-kit-client/.test(namespace) && namespace.trim() !== '*');
  if (kept.length === namespaces.length) return false;
  process.env.DEBUG = kept.join(',');
  return true;
}

const netClose = NetServer.prototype.close;

async function main(): Promise<void> {
  const silenced = silenceTokenLogging();
  let config;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${error instanceof ConfigError ? error.message : String(error)}\n`);
    process.exit(2);
  }
  const logger = createLogger({ level: config.logLevel });
  if (silenced) logger.warn('config.debug_filtered', { reason: 'fhir-kit-client debug output would log access tokens' });

  if (!config.trustedIssuersFile) {
    if (config.nodeEnv === 'production') {
      logger.error('config.refused', { reason: 'NODE_ENV=production needs CDS_TRUSTED_ISSUERS_FILE: CDS calls must carry a JWT from a trusted issuer' });
      process.exit(2);
    }
    logger.warn('auth.disabled', { reason: 'CDS_TRUSTED_ISSUERS_FILE is not set: CDS calls are accepted without a JWT (development only)' });
  }

  let deps;
  try {
    deps = buildAppDeps(config, logger);
  } catch (error) {
    // A bad overrides file is bad configuration (exit 2); a broken shipped table is a failed start (exit 1).
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  const switchedOff = (deps.overrides?.rules ?? []).filter((rule) => rule.severity === 'off').map((rule) => `${rule.kind}:${rule.id}`);
  logger.info('knowledge.loaded', {
    version: deps.knowledgeVersion?.version,
    overrides: (deps.overrides?.rules.length ?? 0) + (deps.overrides?.suggestions.length ?? 0),
    ...(switchedOff.length > 0 ? { switchedOff } : {}),
  });
  if (config.nodeEnv === 'production' && deps.authenticator?.enabled !== true) {
    logger.error('config.refused', { reason: 'the trusted issuers file lists no issuer' });
    process.exit(2);
  }
  const cds = createApp(deps);
  const server = await cds.listen(config.port, config.host);
  const address = server.address();
  logger.info('server.listening', { port: typeof address === 'object' && address ? address.port : config.port, model: config.modelDir, store: deps.store.backend });

  // Graceful shutdown (SIGTERM from Kubernetes, docker stop): /readyz says 503 at once so the load balancer
  // stops sending; calls keep being served for CDS_SHUTDOWN_DRAIN_MS, each answer closing its connection.
  // Then the listener closes. An idle keep-alive connection is not cut (a client may be writing to it that
  // very moment: a reset); it ends at its keep-alive timeout, which clients know from the Keep-Alive header
  // and respect. In-flight calls finish (each within its deadline), then the audit writes, the inference
  // workers and the database close, and the process exits 0.
  const sockets = new Set<Socket>();
  server.on('connection', (socket: Socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    cds.drain();
    logger.info('server.draining', { signal, drainMs: config.shutdownDrainMs });
    const hardStopMs = config.shutdownDrainMs + config.deadlineMs + server.keepAliveTimeout + 10_000;
    setTimeout(() => {
      logger.error('server.stop_forced', { afterMs: hardStopMs, connections: sockets.size });
      process.exit(1);
    }, hardStopMs).unref();
    const finish = (): void => {
      cds
        .close()
        .catch((error: Error) => logger.error('server.close_failed', { error: error.message.slice(0, 200) }))
        .then(() => deps.store.close())
        .catch((error: Error) => logger.error('store.close_failed', { error: error.message.slice(0, 200) }))
        .finally(() => {
          logger.info('server.stopped', { signal });
          process.exit(0);
        });
    };
    setTimeout(() => {
      // net.Server's close: stop accepting, leave open connections be (http.Server#close would cut idle ones).
      netClose.call(server);
      const waitForConnections = (): void => {
        if (sockets.size === 0) finish();
        else setTimeout(waitForConnections, 50);
      };
      waitForConnections();
    }, config.shutdownDrainMs);
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('unhandledRejection', (reason) => {
    logger.error('process.unhandled_rejection', { error: reason instanceof Error ? reason.message.slice(0, 300) : 'unknown' });
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`lamo-cds failed to start: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
