/*
description: >
  (Private: keyed by member number, never published.) The share register journal as movements of shares: one row per member and share class an
  operation changes (a transfer moves shares out of the giver and into the receiver, a conversion
  out of one class and into another).
columns:
  operation_no: register_number_operation of the journal.
  operation_date: Effective date of the operation.
  operation_type: subscription, transfer, sell_back or convert.
  member_number: Member number of the member whose holding changes.
  share_class: Share class (A, B, C) whose holding changes.
  shares: Shares added (positive) or removed (negative).
  reason: Reason of a sell_back (resignation, exclusion, death, bankruptcy, winding_up, withdrawal).
  leg: giver or receiver for a transfer, source or target for a conversion, member otherwise.
*/
with operations as (
    select register_number_operation as operation_no, operation_date, operation_type,
           cooperator_register_number as member_number,
           partner_to_register_number as partner_number, share_short_name,
           share_to_short_name, quantity, quantity_to, reason
    from ingest.share_operations
),

first_legs as (
    select operation_no, operation_date, operation_type, member_number,
           share_short_name as share_class,
           case operation_type when 'subscription' then quantity else -quantity end as shares,
           reason,
           case operation_type
               when 'transfer' then 'giver' when 'convert' then 'source' else 'member'
           end as leg
    from operations
),

transfer_receivers as (
    select operation_no, operation_date, operation_type, partner_number as member_number,
           share_short_name as share_class, quantity as shares, reason, 'receiver' as leg
    from operations
    where operation_type = 'transfer'
),

conversion_targets as (
    select operation_no, operation_date, operation_type, member_number,
           share_to_short_name as share_class, quantity_to as shares, reason, 'target' as leg
    from operations
    where operation_type = 'convert'
)

select * from first_legs
union all
select * from transfer_receivers
union all
select * from conversion_targets
