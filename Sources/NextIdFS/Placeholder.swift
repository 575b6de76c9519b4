public enum NextIdFSPlaceholder {}
