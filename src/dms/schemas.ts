import { z } from 'zod';
import { withoutLinks } from '../../blocks/kit/text.js';

/**
 * Ids arrive as numbers or numeric strings; we keep them as digit strings (no precision loss past 2^53), in one
 * spelling (no leading zeros), so an id DMS sends as "0042" is the same ticket, user or database as 42 everywhere.
 */
export const idString = z
  .union([z.number().int().nonnegative(), z.string().regex(/^\d+$/)])
  .transform((v) => (typeof v === 'number' ? String(v) : v.replace(/^0+(?=\d)/, '')));

const optionalText = z
  .string()
  .nullish()
  .transform((v) => v ?? undefined);
/** Free text DMS writes (statuses, tips, error words): data, so any link in it is replaced at the edge. */
const cloudWords = z.string().transform((v) => withoutLinks(v));
const optionalWords = z
  .string()
  .nullish()
  .transform((v) => (v == null ? undefined : withoutLinks(v)));

/** Fields every DMS response carries. */
export const dmsEnvelope = z.looseObject({
  RequestId: z.string().optional(),
  Success: z.boolean().optional(),
  // An identifier (`Throttling.User`): URLs go, dotted names stay (shown with cloudCode).
  ErrorCode: z
    .string()
    .transform((v) => withoutLinks(v, undefined, { keepHosts: true }))
    .optional(),
  ErrorMessage: cloudWords.optional(),
});

/** `CreateOrderResult` comes as `{OrderIds:[n]}`, `[n]` or `["n"]` depending on the API. */
export const createOrderResult = z
  .union([z.looseObject({ OrderIds: z.array(idString).min(1) }), z.array(idString).min(1)])
  .transform((v) => (Array.isArray(v) ? v : v.OrderIds));

export const createOrderResponse = z.looseObject({ CreateOrderResult: createOrderResult });

export const dataExportOrderDetailResponse = z.looseObject({
  DataExportOrderDetail: z.looseObject({
    KeyInfo: z.looseObject({
      JobStatus: z.string().min(1).pipe(cloudWords),
      PreCheckId: z.union([z.number(), z.string()]).nullish(),
      JobId: z.union([z.number(), z.string()]).nullish(),
    }),
    OrderDetail: z
      .looseObject({
        DbId: z.union([z.number(), z.string()]).nullish(),
        Database: optionalText,
        Classify: optionalText,
        ExeSQL: optionalText,
        Logic: z.boolean().nullish(),
        ActualAffectRows: z.union([z.number(), z.string()]).nullish(),
        EnvType: optionalText,
      })
      .nullish(),
  }),
});

export const orderBaseInfoResponse = z.looseObject({
  OrderBaseInfo: z.looseObject({
    OrderId: idString.optional(),
    PluginType: z.string(),
    StatusCode: z.string(),
    StatusDesc: optionalWords,
    Comment: optionalWords,
    Committer: optionalText,
    CommitterId: z.union([z.number(), z.string()]).nullish(),
    WorkflowInstanceId: z.union([z.number(), z.string()]).nullish(),
    WorkflowStatusDesc: optionalWords,
    CreateTime: optionalText,
    RelatedUserList: z.looseObject({ UserIds: z.array(z.union([z.number(), z.string()])).nullish() }).nullish(),
  }),
});

/** Actions that answer only the common fields (SubmitOrderApproval, ApproveOrder, ExecuteDataExport). */
export const acknowledgedResponse = z.looseObject({});

export const downloadUrlResponse = z.looseObject({
  DownloadURLResult: z.looseObject({
    HasResult: z.boolean(),
    TipMessage: optionalWords,
    URL: optionalText,
  }),
});

export const searchDatabaseResponse = z.looseObject({
  TotalCount: z.number().optional(),
  SearchDatabaseList: z
    .looseObject({
      SearchDatabase: z
        .array(
          z.looseObject({
            DatabaseId: idString,
            SearchName: z.string().nullish(),
            SchemaName: z.string().nullish(),
            DbType: z.string().nullish(),
            EnvType: z.string().nullish(),
            Logic: z.boolean().nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});

export const listUsersResponse = z.looseObject({
  TotalCount: z.number().optional(),
  UserList: z
    .looseObject({
      User: z
        .array(
          z.looseObject({
            UserId: idString,
            Uid: z.union([z.string(), z.number()]).nullish(),
            NickName: z.string().nullish(),
            Email: z.string().nullish(),
            State: z.string().nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});

export const listOrdersResponse = z.looseObject({
  TotalCount: z.number().optional(),
  Orders: z
    .looseObject({
      Order: z
        .array(
          z.looseObject({
            OrderId: idString,
            PluginType: z.string().nullish(),
            StatusCode: z.string().nullish(),
            Comment: z.string().nullish(),
            CreateTime: z.string().nullish(),
          }),
        )
        .nullish(),
    })
    .nullish(),
});

export const dataTrackOrderDetailResponse = z.looseObject({
  DataTrackOrderDetail: z.looseObject({
    JobStatus: z.string().min(1).pipe(cloudWords),
    StatusDesc: optionalWords,
    DbId: z.union([z.number(), z.string()]).nullish(),
    JobStartTime: optionalWords,
    JobEndTime: optionalWords,
    TableNames: z.array(z.string()).nullish(),
    // The three operations DMS tracks today. A type DMS adds later is still accepted (refusing it would stop the
    // ticket's watcher) but it is cloud words: links removed here, escaped wherever it is shown.
    TrackTypes: z.array(z.union([z.enum(['INSERT', 'UPDATE', 'DELETE']), cloudWords])).nullish(),
  }),
});

export const dataCorrectOrderDetailResponse = z.looseObject({
  DataCorrectOrderDetail: z.looseObject({
    Status: z.string().min(1),
    ExecMode: optionalText,
    DatabaseList: z
      .looseObject({
        Database: z
          .array(
            z.looseObject({
              DbId: z.union([z.number(), z.string()]).nullish(),
              SearchName: optionalText,
              EnvType: optionalText,
            }),
          )
          .nullish(),
      })
      .nullish(),
    OrderDetail: z.looseObject({ ExeSQL: optionalText, Classify: optionalText, RbSQL: optionalText }).nullish(),
    PreCheckDetail: z
      .looseObject({
        TaskCheckDO: z
          .array(z.looseObject({ CheckStatus: optionalWords, CheckStep: optionalWords, UserTip: optionalWords }))
          .nullish(),
      })
      .nullish(),
  }),
});

/** GetApprovalDetail: the approval workflow's nodes (who approves at each) and who handles it now. */
export const approvalDetailResponse = z.looseObject({
  ApprovalDetail: z.looseObject({
    WorkflowInsCode: optionalText,
    CurrentHandlers: z
      .looseObject({
        CurrentHandler: z
          .array(z.looseObject({ Id: z.union([z.number(), z.string()]).nullish(), NickName: optionalWords }))
          .nullish(),
      })
      .nullish(),
    WorkflowNodes: z
      .looseObject({
        WorkflowNode: z
          .array(
            z.looseObject({
              NodeName: optionalWords,
              WorkflowInsCode: optionalText,
              OperateTime: optionalText,
              AuditUserIdList: z
                .looseObject({ AuditUserIds: z.array(z.union([z.number(), z.string()])).nullish() })
                .nullish(),
            }),
          )
          .nullish(),
      })
      .nullish(),
  }),
});
