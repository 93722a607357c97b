// igb_hw_init() writes RCTL with LBM set to MAC loopback: a value holding
// E1000_RCTL_LBM_MAC is assigned to a variable that is then written to
// E1000_RCTL with nothing assigned to it in between.
@rctl_lbm_mac@
identifier v;
expression dev;
@@
igb_hw_init(...)
{
<...
* v = <+... E1000_RCTL_LBM_MAC ...+>;
... when != v = ...
igb_write32(dev, E1000_RCTL, v);
...>
}
