import { randomUUID } from 'node:crypto';
import { createProjectFixture, testPrisma, createCallbackRow } from '../helpers/db';
test('scratch', async () => {
  const prisma = testPrisma();
  const { project } = await createProjectFixture(prisma);
  const cb = await createCallbackRow(prisma, project.id, { dueAt: new Date() });
  const cb2 = await createCallbackRow(prisma, project.id, { dueAt: new Date() });
  const slotStart = new Date();
  await prisma.slotBooking.create({ data: { projectId: project.id, slotStart, position: 0, capacity: 6, callbackId: cb.id } });
  try { await prisma.$transaction(async (tx) => { await tx.slotBooking.create({ data: { projectId: project.id, slotStart, position: 0, capacity: 6, callbackId: cb2.id } }); }); } catch (e: any) { console.log(e.constructor.name, e.code, JSON.stringify(e.meta), e.message); }
  try { await createCallbackRow(prisma, project.id, { dueAt: new Date(), phone: cb.phone }); } catch (e: any) { console.log(e.constructor.name, e.code, JSON.stringify(e.meta)); }
  try { await prisma.slotBooking.create({ data: { projectId: project.id, slotStart, position: 7, capacity: 6, callbackId: cb2.id } }); } catch (e: any) { console.log(e.constructor.name, e.code, JSON.stringify(e.meta)); }
  try { await prisma.callback.findUnique({ where: { id: 'nope' } }); } catch (e: any) { console.log(e.constructor.name, e.code, JSON.stringify(e.meta)); }
  await prisma.$disconnect();
});
