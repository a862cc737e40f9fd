/**
 * `npm start`: the CDS Hooks service on PORT (default 8080) with the model in LAMO_MODEL_DIR (default model/).
 * Refuses to start in production without trusted JWT issuers; elsewhere runs open, with a warning.
 */
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

  const deps = buildAppDeps(config, logger);
  if (config.nodeEnv === 'production' && deps.authenticator?.enabled !== true) {
    logger.error('config.refused', { reason: 'the trusted issuers file lists no issuer' });
    process.exit(2);
  }
  const cds = createApp(deps);
  const server = await cds.listen(config.port, config.host);
  const address = server.address();
  logger.info('server.listening', { port: typeof address === 'object' && address ? address.port : config.port, model: config.modelDir });

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info('server.stopping', { signal });
    server.close(() => {
      cds
        .close()
        .catch(() => undefined)
        .finally(() => {
          deps.store.close();
          process.exit(0);
        });
    });
    // Keep-alive connections must not hold the process forever.
    setTimeout(() => process.exit(0), 5000).unref();
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
