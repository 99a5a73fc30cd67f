package dev.switchboard.fake.blaxel;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/** Marks a {@link BlaxelFake} field of a test for {@link BlaxelFakeResource} to fill in. */
@Retention(RetentionPolicy.RUNTIME)
@Target(ElementType.FIELD)
public @interface InjectBlaxelFake {
}
