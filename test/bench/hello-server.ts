/** A bare hono "hello" route with compression, the yardstick for the results-day benchmark. */
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { compress } from 'hono/compress';

const app = new Hono();
app.use(compress());
app.get('/', (c) => c.text('hello'));
app.get('/healthz', (c) => c.text('ok'));
serve({ fetch: app.fetch, hostname: '127.0.0.1', port: Number(process.env.PORT) });
