// JSON logs with winston. Callers log facts, never credentials: values that look
// like secrets are redacted as a second line of defence.

import winston from 'winston';

export type Logger = winston.Logger;

const SECRET_KEY = /(secret|token|password|credential|authorization|sessionkey|accesskey)/i;

const redact = winston.format((info) => {
  for (const key of Object.keys(info)) {
    if (SECRET_KEY.test(key)) info[key] = '[redacted]';
  }
  return info;
});

export function createLogger(level: string, stream?: NodeJS.WritableStream): Logger {
  return winston.createLogger({
    level,
    format: winston.format.combine(redact(), winston.format.timestamp(), winston.format.json()),
    transports: [stream ? new winston.transports.Stream({ stream }) : new winston.transports.Console()],
  });
}
