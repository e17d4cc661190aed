/** What the store knows about a record beside its document, handed to every output shape. */
export interface ShapeContext {
  /** The record is a tombstone: deleted upstream, kept so consumers learn of the deletion. */
  deleted: boolean;
  /**
   * The store's `updated_at` of the record, ISO UTC (`2024-05-06T07:08:09.123456Z`): when its content
   * last changed there. Null where no store time exists (the engine computing its matching rows).
   */
  updatedAt: string | null;
}
