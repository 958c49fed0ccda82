import { describe, expect, it } from '@jest/globals'
import { startMoto } from '../rig/moto.js'
describe('moto', () => { it('starts and stops', async () => { const m = await startMoto(); const r = await fetch(m.endpoint); expect(r.status).toBe(200); await m.stop() }) })
