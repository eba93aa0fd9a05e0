/**
 * Bare hono "hello" routes, the yardstick for the results-day benchmark: `/` with hono's own compress
 * middleware (compression on, as the target asks), `/plain` without.
 */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { compress } from 'hono/compress';

const app = new Hono();
app.get('/plain', (c) => c.text('hello'));
app.get('/healthz', (c) => c.text('ok'));
app.use(compress());
app.get('/', (c) => c.text('hello'));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT) });
